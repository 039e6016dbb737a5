import ArgumentParser
import DroverAPI
import Foundation

/// `drover deploy FILE`: starts a rolling deploy of the spec and follows it.
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Roll a service spec out across its hosts and follow the rollout.",
        discussion: """
            Sends the spec to the controller, which validates it, picks the ready hosts whose \
            labels match hosts.labels, checks that a rollback could finish within 5 minutes, \
            and swaps max_parallel hosts at a time. The progress is shown until the rollout \
            ends; a host whose new version fails its health checks rolls the fleet back \
            automatically and the reason is printed.

            Exit codes: 0 the rollout succeeded, 5 it rolled back, was aborted or failed; \
            \(CLIExitCodes.help)
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json (the final rollout).")
    var output: OutputFormat = .text

    @Flag(help: "Return as soon as the rollout has started (print its id).")
    var detach = false

    @Option(help: "How often to poll the rollout while following it, e.g. 500ms or 2s.")
    var pollInterval: DurationArgument = DurationArgument(milliseconds: 500)

    @Argument(help: "The service spec (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    func run() async throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            CLIExitCodes.printError("drover: cannot read \(file): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        var code: Int32 = 0
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let client = try connection.makeClient()
            let summary = try await client.call(
                .POST, "/v1/deploys",
                body: DeployRequest(spec: text, file: URL(fileURLWithPath: file).lastPathComponent),
                as: RolloutSummary.self)
            code = try await RolloutFollow.run(
                summary, client: client, detach: detach, output: output, interval: pollInterval.duration)
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// What `deploy` and `rollback` do after the controller accepted the rollout.
enum RolloutFollow {
    static func run(
        _ summary: RolloutSummary, client: APIClient, detach: Bool, output: OutputFormat, interval: Duration
    ) async throws(APIClientError) -> Int32 {
        if detach {
            switch output {
            case .text: StandardOutput.line(summary.id)
            case .json: print(JSONOutput.string(summary))
            }
            return 0
        }
        if output == .text {
            StandardOutput.line(
                "==> rollout \(summary.id): \(summary.service) \(RolloutText.versions(summary)) on \(summary.hostCount) host\(summary.hostCount == 1 ? "" : "s")"
            )
        }
        var watcher = RolloutWatcher(client: client, interval: interval)
        if output == .json { watcher.emit = { _ in } }
        let detail = try await watcher.follow(summary.id)
        switch output {
        case .text: RolloutWatcher.conclusion(detail).forEach(StandardOutput.line)
        case .json: print(JSONOutput.string(detail))
        }
        return RolloutWatcher.exitCode(detail)
    }
}
