import ArgumentParser
import DroverAPI

/// `drover hosts show HOST`: figures, mounts, labels and history of one host.
struct HostsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one host (by name or id): figures, mounts, labels, history.",
        discussion: CLIExitCodes.help
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Argument(help: "Host name or id.")
    var host: String

    func run() async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let detail = try await connection.makeClient().call(.GET, HostPath.of(host), as: HostDetail.self)
            switch output {
            case .text: print(HostTable.detail(detail, nowMs: CLIClock.nowMs()))
            case .json: print(JSONOutput.string(detail))
            }
        }
    }
}
