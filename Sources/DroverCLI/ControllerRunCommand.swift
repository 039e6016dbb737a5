import ArgumentParser
import DroverAPI
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
            (key mode 0600) and state.db, and prints the CA pin agents join with. It keeps its \
            TLS session-ticket keys in session-ticket.key (0600, replaced weekly) so agents resume \
            their sessions after a restart. It listens for agents on one TLS port: enrollment \
            (ALPN drover-enroll/1) and mutual-TLS sessions (ALPN drover/1). SIGTERM or SIGINT \
            stops it gracefully.
            """
    )

    @OptionGroup var data: DataDirectoryOptions

    @Option(help: "Address and port to listen on for agents (port 0 picks a free one).")
    var listen: String = "0.0.0.0:\(WireProtocol.defaultAgentPort)"

    @Option(
        name: .customLong("server-name"),
        help: "DNS name or IP for the controller certificate (repeatable; 127.0.0.1 is always included).")
    var serverNames: [String] = []

    @Option(name: .customLong("heartbeat-interval"), help: "Heartbeat interval announced to agents, e.g. 5s.")
    var heartbeatInterval: DurationArgument?

    @Option(
        name: .customLong("heartbeat-request-every"),
        help: ArgumentHelp(
            "Agents send every N-th heartbeat as a request the controller answers, the others one-way (1: all answered).",
            discussion:
                "Answers are most of what idle agents cost the controller. An agent notices a hung controller within N + 3 heartbeat intervals; a lost agent is noticed after 3 intervals whatever N is."
        ))
    var heartbeatRequestEvery: UInt32 = WireProtocol.defaultHeartbeatRequestEvery

    @Option(
        name: .customLong("certificate-lifetime"),
        help: "Lifetime of agent certificates, e.g. 90d (agents renew at 2/3).")
    var certificateLifetime: DurationArgument = DurationArgument(argument: "90d")!

    @Option(
        name: .customLong("api-listen"), help: "Address and port of the operator HTTPS API (port 0 picks a free one).")
    var apiListen: String = "0.0.0.0:7401"

    @Option(
        name: .customLong("api-unauthenticated-rate"),
        help: ArgumentHelp(
            "Per client address: requests to /healthz, /install.sh and /download/… and requests refused with 401, as BURST/PER_SECOND.",
            discussion: "Past the burst the API answers 429 with Retry-After until the budget refills."))
    var apiUnauthenticatedRate: String = "60/10"

    @Option(
        name: .customLong("max-opening"),
        help:
            "Agent connections opening at once (TLS handshake to established session); more wait in the listen queue, so a reconnecting fleet is served first come, first served."
    )
    var maxOpening: Int = ControllerConfiguration.defaultMaxOpeningConnections

    @Flag(
        name: .customLong("metrics-without-token"), help: "Serve /metrics without a bearer token (it lists every host)."
    )
    var metricsWithoutToken = false

    @Option(name: .customLong("install-script"), help: "File served at /install.sh (default: none).")
    var installScript: String?

    @Option(
        name: .customLong("agent-binary"), help: "drover-agent binary served at /download/drover-agent (default: none)."
    )
    var agentBinary: String?

    @Option(name: .customLong("audit-max-rows"), help: "Audit entries kept (the oldest beyond are pruned).")
    var auditMaxRows: Int = RetentionPolicy().auditMaxRows

    @Option(name: .customLong("audit-max-age"), help: "Audit entries older than this are pruned, e.g. 90d.")
    var auditMaxAge: DurationArgument = DurationArgument(argument: "90d")!

    @Option(name: .customLong("events-max-rows"), help: "Events kept (the oldest beyond are pruned).")
    var eventsMaxRows: Int = RetentionPolicy().eventsMaxRows

    @Option(name: .customLong("events-max-age"), help: "Events older than this are pruned, e.g. 30d.")
    var eventsMaxAge: DurationArgument = DurationArgument(argument: "30d")!

    /// Row caps: 1,000 to 10 million; ages: 1 hour to 3,650 days.
    static let retentionRows = 1_000...10_000_000
    static let retentionAge: ClosedRange<Duration> = .seconds(3_600) ... .seconds(3_650 * 86_400)

    /// The retention flags, range-checked.
    func retentionPolicy() throws -> RetentionPolicy {
        for (flag, rows) in [("--audit-max-rows", auditMaxRows), ("--events-max-rows", eventsMaxRows)]
        where !Self.retentionRows.contains(rows) {
            throw ValidationError("\(flag) must be 1000...10000000, got \(rows)")
        }
        for (flag, age) in [("--audit-max-age", auditMaxAge), ("--events-max-age", eventsMaxAge)]
        where !Self.retentionAge.contains(age.duration) {
            throw ValidationError("\(flag) must be 1h...3650d")
        }
        var policy = RetentionPolicy()
        policy.auditMaxRows = auditMaxRows
        policy.auditMaxAge = auditMaxAge.duration
        policy.eventsMaxRows = eventsMaxRows
        policy.eventsMaxAge = eventsMaxAge.duration
        return policy
    }

    func run() async throws {
        let retention = try retentionPolicy()
        guard let (host, port) = Self.parseListen(listen) else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
        guard let (apiHost, apiPort) = Self.parseListen(apiListen) else {
            throw ValidationError("--api-listen must be HOST:PORT, got \(apiListen)")
        }
        guard let unauthenticatedRate = Self.parseRate(apiUnauthenticatedRate) else {
            throw ValidationError(
                "--api-unauthenticated-rate must be BURST/PER_SECOND with BURST 1...1000000 and PER_SECOND 0...1000000, got \(apiUnauthenticatedRate)")
        }
        guard maxOpening >= 1 else {
            throw ValidationError("--max-opening must be at least 1, got \(maxOpening)")
        }
        guard (1...WireProtocol.maxHeartbeatRequestEvery).contains(heartbeatRequestEvery) else {
            throw ValidationError(
                "--heartbeat-request-every must be 1...\(WireProtocol.maxHeartbeatRequestEvery), got \(heartbeatRequestEvery)")
        }
        var policy = ServerHelloPolicy()
        if let heartbeatInterval { policy.heartbeatInterval = heartbeatInterval.duration }
        policy.heartbeatRequestEvery = heartbeatRequestEvery
        var configuration = ControllerConfiguration(
            dataDirectory: data.dataDirectory, listenHost: host, listenPort: port,
            serverNames: serverNames.isEmpty ? ["localhost"] : serverNames, helloPolicy: policy,
            certificateLifetime: certificateLifetime.duration)
        configuration.maxOpeningConnections = maxOpening
        var api = ControllerDaemon.APIOptions(
            host: apiHost, port: apiPort, metricsRequireToken: !metricsWithoutToken,
            installScriptPath: installScript, agentBinaryPath: agentBinary)
        api.unauthenticatedRateLimit = unauthenticatedRate
        let daemon: ControllerDaemon
        do {
            daemon = try ControllerDaemon(configuration: configuration, api: api, retention: retention)
        } catch {
            throw ValidationError("cannot start the controller: \(error)")
        }
        StandardOutput.line("CA pin: \(daemon.service.caPin)")
        StandardOutput.line("CA certificate: \(data.dataDirectory)/ca.crt")
        if let bootstrap = daemon.bootstrapToken {
            StandardOutput.line(
                "admin API token written to \(bootstrap.path) (shown once; create narrower tokens with it)")
        }
        let signals = TerminationSignals { _ in daemon.shutdown() }
        defer { signals.cancel() }
        try await daemon.run { address, boundAPIPort in
            StandardOutput.line("API listening on https://\(apiHost):\(boundAPIPort)")
            StandardOutput.line("listening on \(address.ipAddress ?? host):\(address.port ?? port)")
        }
    }

    /// `BURST/PER_SECOND`, e.g. `60/10`; nil when malformed or out of range.
    static func parseRate(_ text: String) -> APIRateLimit? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let burst = Int(parts[0]), let perSecond = Int(parts[1]),
            (1...1_000_000).contains(burst), (0...1_000_000).contains(perSecond)
        else { return nil }
        return APIRateLimit(burst: burst, perSecond: perSecond)
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        return (host, port)
    }
}
