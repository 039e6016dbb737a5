import ArgumentParser
import DroverAPI

/// `drover rollout status|pause|resume|abort ID`.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Show or steer one rollout.",
        subcommands: [
            RolloutStatusCommand.self, RolloutActionCommand.Pause.self, RolloutActionCommand.Resume.self,
            RolloutActionCommand.Abort.self,
        ]
    )
}

/// `drover rollout status ID`: hosts, batches, deadlines, log and the rollback's why.
struct RolloutStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a rollout: every host's status and version, deadlines, log and the why of a rollback.",
        discussion: CLIExitCodes.help
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Flag(help: "Follow the rollout until it ends (exit 0 if it succeeded, 5 otherwise).")
    var watch = false

    @Argument(help: "Rollout id (see drover rollouts).")
    var id: String

    func run() async throws {
        var code: Int32 = 0
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let client = try connection.makeClient()
            var detail = try await client.call(.GET, "/v1/rollouts/\(APIPath.segment(id))", as: RolloutDetail.self)
            if watch, !detail.summary.isFinished {
                var watcher = RolloutWatcher(client: client, interval: .milliseconds(500))
                if output == .json { watcher.emit = { _ in } }
                detail = try await watcher.follow(id)
                code = RolloutWatcher.exitCode(detail)
            }
            switch output {
            case .text: print(RolloutText.detail(detail, nowMs: CLIClock.nowMs()))
            case .json: print(JSONOutput.string(detail))
            }
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// `drover rollout pause|resume|abort ID`.
enum RolloutActionCommand {
    static func perform(
        _ action: RolloutOperatorAction, id: String, connection: ConnectionOptions, output: OutputFormat
    ) async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let summary = try await connection.makeClient().call(
                .POST, "/v1/rollouts/\(APIPath.segment(id))/\(action.rawValue)", as: RolloutSummary.self)
            switch output {
            case .text: print("rollout \(summary.id) of \(summary.service): \(summary.phase)")
            case .json: print(JSONOutput.string(summary))
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause", abstract: "Start no new hosts; hosts being swapped finish.",
            discussion: CLIExitCodes.help)
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text
        @Argument(help: "Rollout id.") var id: String
        func run() async throws {
            try await RolloutActionCommand.perform(.pause, id: id, connection: connection, output: output)
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume", abstract: "Continue a paused rollout.", discussion: CLIExitCodes.help)
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text
        @Argument(help: "Rollout id.") var id: String
        func run() async throws {
            try await RolloutActionCommand.perform(.resume, id: id, connection: connection, output: output)
        }
    }

    struct Abort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "abort",
            abstract: "Stop a rollout now and leave every host as it is (undo with drover rollback).",
            discussion: CLIExitCodes.help)
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text
        @Argument(help: "Rollout id.") var id: String
        func run() async throws {
            try await RolloutActionCommand.perform(.abort, id: id, connection: connection, output: output)
        }
    }
}
