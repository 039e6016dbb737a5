import ArgumentParser
import DroverController
import DroverSession
import DroverWire
import NIOCore

/// `drover controller [run]`: serves agents until SIGTERM or SIGINT.
struct ControllerRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the controller daemon (the default).",
        discussion: """
            On first start the controller creates its data directory (mode 0700), the fleet CA \
            (key mode 0600) and state.db, and prints the CA pin agents join with. It listens for \
            agents on one TLS port: enrollment (ALPN drover-enroll/1) and mutual-TLS sessions \
            (ALPN drover/1). SIGTERM or SIGINT stops it gracefully.
            """
    )

    @OptionGroup var data: DataDirectoryOptions

    @Option(help: "Address and port to listen on for agents (port 0 picks a free one).")
    var listen: String = "0.0.0.0:\(WireProtocol.defaultAgentPort)"

    @Option(name: .customLong("server-name"), help: "DNS name or IP for the controller certificate (repeatable; 127.0.0.1 is always included).")
    var serverNames: [String] = []

    @Option(name: .customLong("heartbeat-interval"), help: "Heartbeat interval announced to agents, e.g. 5s.")
    var heartbeatInterval: DurationArgument?

    @Option(name: .customLong("certificate-lifetime"), help: "Lifetime of agent certificates, e.g. 90d (agents renew at 2/3).")
    var certificateLifetime: DurationArgument = DurationArgument(argument: "90d")!

    func run() async throws {
        guard let (host, port) = Self.parseListen(listen) else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
        var policy = ServerHelloPolicy()
        if let heartbeatInterval { policy.heartbeatInterval = heartbeatInterval.duration }
        let configuration = ControllerConfiguration(
            dataDirectory: data.dataDirectory, listenHost: host, listenPort: port,
            serverNames: serverNames.isEmpty ? ["localhost"] : serverNames, helloPolicy: policy,
            certificateLifetime: certificateLifetime.duration)
        let service: ControllerService
        do {
            service = try ControllerService(configuration: configuration)
        } catch {
            throw ValidationError("cannot start the controller: \(error)")
        }
        StandardOutput.line("CA pin: \(service.caPin)")
        let signals = TerminationSignals { _ in service.shutdown() }
        defer { signals.cancel() }
        try await service.run { address in
            StandardOutput.line("listening on \(address.ipAddress ?? host):\(address.port ?? port)")
        }
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        return (host, port)
    }
}
