import ArgumentParser
import DroverAPI

/// API paths for one host.
enum HostPath {
    static func of(_ host: String, _ action: String? = nil) -> String {
        "/v1/hosts/" + APIPath.segment(host) + (action.map { "/" + $0 } ?? "")
    }

    /// Runs a host action and prints its result.
    static func act(_ action: String, host: String, connection: ConnectionOptions, output: OutputFormat) async throws {
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let result = try await connection.makeClient().call(.POST, of(host, action), as: HostActionResult.self)
            switch output {
            case .text:
                var line = "host \(result.name) (\(result.id)) is now \(result.state)"
                if action == "remove" { line += "; \(result.revokedCertificates) certificate(s) revoked" }
                print(line)
            case .json:
                print(JSONOutput.string(result))
            }
        }
    }
}

/// `drover hosts drain HOST`: the host takes no new work.
struct HostsDrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain", abstract: "Drain a host: it takes no new work (operator role).",
        discussion: CLIExitCodes.help)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text
    @Argument(help: "Host name or id.") var host: String

    func run() async throws {
        try await HostPath.act("drain", host: host, connection: connection, output: output)
    }
}

/// `drover hosts undrain HOST`: the host takes work again.
struct HostsUndrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undrain", abstract: "Undrain a host: it takes work again (operator role).",
        discussion: CLIExitCodes.help)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text
    @Argument(help: "Host name or id.") var host: String

    func run() async throws {
        try await HostPath.act("undrain", host: host, connection: connection, output: output)
    }
}

/// `drover hosts remove HOST`: remove a host, revoke its certificate, cut its connection.
struct HostsRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a host: revoke its certificate and disconnect it (admin role).",
        discussion: CLIExitCodes.help)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text
    @Argument(help: "Host name or id.") var host: String

    func run() async throws {
        try await HostPath.act("remove", host: host, connection: connection, output: output)
    }
}
