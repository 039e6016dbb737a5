import ArgumentParser
import DroverAPI

/// `drover rollouts`: recent rollouts, newest first.
struct RolloutsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollouts",
        abstract: "List rollouts, newest first: service, versions, phase, hosts updated, outcome.",
        discussion: CLIExitCodes.help
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(help: "Only this service's rollouts.")
    var service: String?

    func run() async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let path = service.map { "/v1/rollouts?service=\(APIPath.segment($0))" } ?? "/v1/rollouts"
            let list = try await connection.makeClient().call(.GET, path, as: RolloutList.self)
            switch output {
            case .text: print(RolloutText.table(list.rollouts, nowMs: CLIClock.nowMs()))
            case .json: print(JSONOutput.string(list))
            }
        }
    }
}
