import ArgumentParser
import DroverAPI

/// `drover hosts [list]`: one line per host.
struct HostsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List hosts: name, address, state, agent version, last seen, CPU, memory, disk, conditions.",
        discussion: CLIExitCodes.help
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let list = try await connection.makeClient().call(.GET, "/v1/hosts", as: HostList.self)
            switch output {
            case .text: print(HostTable.render(list.hosts, nowMs: CLIClock.nowMs()))
            case .json: print(JSONOutput.string(list))
            }
        }
    }
}
