import ArgumentParser
import DroverAPI

/// `drover services`: every service and the version it runs.
struct ServicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "services",
        abstract: "List services: engine, running version, hosts, public port, active rollout.",
        discussion: CLIExitCodes.help
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let list = try await connection.makeClient().call(.GET, "/v1/services", as: ServiceList.self)
            switch output {
            case .text: print(RolloutText.services(list.services, nowMs: CLIClock.nowMs()))
            case .json: print(JSONOutput.string(list))
            }
        }
    }
}

/// `drover history SERVICE`: versions and rollouts of one service.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a service's versions and rollouts, newest first.",
        discussion: CLIExitCodes.help
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Argument(help: "Service name.")
    var service: String

    func run() async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let history = try await connection.makeClient().call(
                .GET, "/v1/services/\(APIPath.segment(service))/history", as: ServiceHistory.self)
            switch output {
            case .text: print(RolloutText.history(history, nowMs: CLIClock.nowMs()))
            case .json: print(JSONOutput.string(history))
            }
        }
    }
}
