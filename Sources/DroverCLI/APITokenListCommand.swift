import ArgumentParser
import DroverAPI

/// `drover api-token list`.
struct APITokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List API tokens (never their secrets).", discussion: CLIExitCodes.help)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text

    func run() async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let list = try await connection.makeClient().call(.GET, "/v1/api-tokens", as: APITokenList.self)
            switch output {
            case .text: print(APITokenText.table(list.tokens, nowMs: CLIClock.nowMs()))
            case .json: print(JSONOutput.string(list))
            }
        }
    }
}
