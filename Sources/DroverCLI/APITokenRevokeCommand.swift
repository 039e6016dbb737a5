import ArgumentParser
import DroverAPI

/// `drover api-token revoke ID|NAME`.
struct APITokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke an API token by id or name.",
        discussion: """
            A name means the active token of that name. The last active admin token cannot be \
            revoked through the API; `drover controller api-token revoke` on the data directory can. \
            \(CLIExitCodes.help)
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text
    @Argument(help: "Token id or name (as shown by `drover api-token list`).") var token: String

    func run() async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let client = try connection.makeClient()
            let list = try await client.call(.GET, "/v1/api-tokens", as: APITokenList.self)
            guard let id = APITokenText.resolve(token, in: list.tokens) else {
                throw .notFound("no API token with id or active name \(token)")
            }
            let info = try await client.call(.DELETE, "/v1/api-tokens/" + APIPath.segment(id), as: APITokenInfo.self)
            switch output {
            case .text: print("API token \(info.name) (\(info.id)) is \(info.status)")
            case .json: print(JSONOutput.string(info))
            }
        }
    }
}
