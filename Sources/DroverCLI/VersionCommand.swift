import ArgumentParser
import DroverWire

/// `drover version`: prints the software and protocol versions, as text or JSON.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the Drover version, protocol version and TLS library."
    )

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let info = BuildInfo.current
        switch output {
        case .text:
            print("drover \(info.software)")
            print("protocol \(info.protocolVersion) (alpn \(info.alpn))")
            print("tls \(info.tlsLibrary)")
        case .json:
            print(info.json)
        }
    }
}
