import ArgumentParser
import DroverAPI

/// `drover rollback SERVICE [--to VERSION]`.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Swap a service back to its previous version (or --to a named one) on every host, in parallel.",
        discussion: """
            During a rollout this rolls it back at once; otherwise it starts a rollback rollout \
            from the current version. Every host is swapped in parallel and the rollback is \
            bounded by 5 minutes. The progress is shown until it ends.

            Exit codes: 0 the rollback succeeded, 5 it failed; \(CLIExitCodes.help)
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(help: "The version to return to (see drover history SERVICE); default: the previous one.")
    var to: String?

    @Flag(help: "Return as soon as the rollback has started.")
    var detach = false

    @Argument(help: "Service name.")
    var service: String

    func run() async throws {
        var code: Int32 = 0
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let client = try connection.makeClient()
            let summary = try await client.call(
                .POST, "/v1/services/\(APIPath.segment(service))/rollback", body: RollbackRequest(to: to),
                as: RolloutSummary.self)
            code = try await RolloutFollow.run(
                summary, client: client, detach: detach, output: output, interval: .milliseconds(500))
        }
        if code != 0 { throw ExitCode(code) }
    }
}
