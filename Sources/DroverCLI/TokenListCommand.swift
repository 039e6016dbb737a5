import ArgumentParser
import DroverAPI

/// `drover token list`.
struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List join tokens (never their secrets).", discussion: CLIExitCodes.help)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text

    func run() async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let list = try await connection.makeClient().call(.GET, "/v1/tokens", as: JoinTokenList.self)
            switch output {
            case .text: print(Self.table(list.tokens, nowMs: CLIClock.nowMs()))
            case .json: print(JSONOutput.string(list))
            }
        }
    }

    static func table(_ tokens: [JoinTokenInfo], nowMs: Int64) -> String {
        TextTable.render(
            header: ["ID", "STATUS", "USES", "EXPIRES", "LABELS"],
            rows: tokens.map { token in
                let left = (token.expiresAtMs - nowMs) / 1_000
                let expires =
                    left <= 0
                    ? "expired"
                    : left < 3_600 ? "in \(left / 60)m" : left < 86_400 ? "in \(left / 3_600)h" : "in \(left / 86_400)d"
                return [
                    token.id, token.status, "\(token.uses)/\(token.maxUses.map(String.init) ?? "∞")", expires,
                    token.labels.isEmpty
                        ? "-"
                        : token.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                            separator: ","),
                ]
            })
    }
}
