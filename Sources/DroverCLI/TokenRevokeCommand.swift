import ArgumentParser
import DroverAPI

/// `drover token revoke ID`.
struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a join token by id.", discussion: CLIExitCodes.help)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text
    @Argument(help: "Join token id (as shown by `drover token list`).") var id: String

    func run() async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let info = try await connection.makeClient().call(
                .DELETE, "/v1/tokens/" + APIPath.segment(id), as: JoinTokenInfo.self)
            switch output {
            case .text: print("join token \(info.id) is \(info.status)")
            case .json: print(JSONOutput.string(info))
            }
        }
    }
}
