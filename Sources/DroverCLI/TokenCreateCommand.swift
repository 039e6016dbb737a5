import ArgumentParser
import DroverAPI

/// `drover token create [--ttl 24h] [--uses N] [--label k=v]…`.
struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a join token; it is printed once.",
        discussion: CLIExitCodes.help
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text

    @Option(help: "How long the token is valid, e.g. 30m, 24h, 7d.")
    var ttl: String = "24h"

    @Option(help: "How many hosts may join with it (default unlimited).")
    var uses: Int?

    @Option(name: .customLong("label"), help: "Label given to joining hosts, key=value (repeatable).")
    var labels: [String] = []

    func validate() throws {
        guard DurationText.seconds(ttl) != nil else {
            throw ValidationError("--ttl \(ttl) is not a duration such as 30m, 24h or 7d")
        }
        if let uses, uses < 1 { throw ValidationError("--uses must be at least 1") }
        _ = try parsedLabels()
    }

    func parsedLabels() throws -> [String: String] {
        var result: [String: String] = [:]
        for label in labels {
            let parts = label.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--label \(label) is not key=value")
            }
            result[String(parts[0])] = String(parts[1])
        }
        return result
    }

    func run() async throws {
        let request = CreateJoinTokenRequest(
            ttlSeconds: DurationText.seconds(ttl), uses: uses, labels: try parsedLabels())
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let created = try await connection.makeClient().call(
                .POST, "/v1/tokens", body: request, as: CreatedJoinToken.self)
            switch output {
            case .text:
                print(created.token)
                let uses = created.info.maxUses.map { "\($0) use(s)" } ?? "unlimited uses"
                CLIExitCodes.printError(
                    "join token \(created.info.id): \(uses), expires in \(ttl); it is shown only once")
            case .json:
                print(JSONOutput.string(created))
            }
        }
    }
}
