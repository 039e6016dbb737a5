import ArgumentParser
import DroverTLS
import DroverWire

/// `drover-agent`: the lean per-host agent.
@main
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drover-agent",
        abstract: "The Drover host agent: reports host metrics and carries out container swaps.",
        discussion: """
            The agent connects to a Drover controller over mutual TLS (Drover protocol \
            \(DroverVersion.protocolVersion), ALPN \(DroverVersion.alpn)) using the system \
            OpenSSL (\(OpenSSLLibrary.versionString)).
            """,
        version: "drover-agent \(DroverVersion.software) (protocol \(DroverVersion.protocolVersion))"
    )

    func run() async throws {
        throw CleanExit.helpRequest(self)
    }
}
