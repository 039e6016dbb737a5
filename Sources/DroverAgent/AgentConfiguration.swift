import DroverWire

/// Everything a ``AgentService`` needs to start.
public struct AgentConfiguration: Sendable {
    /// The controller's host name or IP address.
    public var controllerHost: String
    /// The controller's agent port.
    public var controllerPort: Int
    /// The join token (first start only; never logged).
    public var joinToken: String?
    /// The CA pin (`sha256:…`) the controller must prove on enrollment.
    public var caPin: String?
    /// Where the key, certificate and CA certificate are kept (mode 0700).
    public var stateDirectory: String
    /// The host's name, sent on enrollment (the controller may suffix it if taken).
    public var name: String
    /// Host labels sent on enrollment.
    public var labels: [String: String]
    /// Local address to connect from (e.g. 127.0.0.2 in tests), or nil for any.
    public var bindAddress: String?
    /// How often a host report is sent.
    public var reportInterval: Duration
    /// The name (or IP) the controller's certificate must carry; defaults to ``controllerHost``.
    public var serverName: String?
    /// The Docker Engine API socket (Docker or Podman) for `docker` services; nil: none.
    public var dockerSocket: String?
    /// Whether `process` services (supervised child processes) may run here.
    public var processEngine: Bool = false
    /// Which proxy carries the services' traffic: the embedded one, or a local HAProxy.
    public var router: RouterChoice = .embedded
    /// The address service proxies listen on (`0.0.0.0`; a loopback alias when several agents share a machine).
    public var proxyAddress: String = "0.0.0.0"
    /// How long the controller may be gone in the middle of a rollout before this host goes
    /// back to its last confirmed version on its own; nil: never.
    public var revertAfter: Duration? = .seconds(600)
    /// Remove every service instance when the agent stops (`drover dev`: throwaway state);
    /// a real host keeps its services running across agent restarts.
    public var removeServicesOnStop = false
    /// Page out the start-up code once a session is up and has reported (``StartupPages``):
    /// the `drover-agent` daemon does; an agent inside another process (`drover dev`, tests)
    /// leaves its host process's pages alone.
    public var releaseStartupPages = false

    /// Creates a configuration.
    public init(
        controllerHost: String,
        controllerPort: Int = WireProtocol.defaultAgentPort,
        joinToken: String? = nil,
        caPin: String? = nil,
        stateDirectory: String = "/var/lib/drover-agent",
        name: String,
        labels: [String: String] = [:],
        bindAddress: String? = nil,
        reportInterval: Duration = .seconds(5),
        serverName: String? = nil
    ) {
        self.controllerHost = controllerHost
        self.controllerPort = controllerPort
        self.joinToken = joinToken
        self.caPin = caPin
        self.stateDirectory = stateDirectory
        self.name = name
        self.labels = labels
        self.bindAddress = bindAddress
        self.reportInterval = reportInterval
        self.serverName = serverName
    }

    /// The name verified in the controller certificate.
    public var expectedServerName: String { serverName ?? controllerHost }

    /// Parses `500ms`, `5s`, `1m` or plain (fractional) seconds such as `0.5`.
    public static func parseInterval(_ text: String) -> Duration? {
        func seconds(_ number: Substring, scale: Double) -> Duration? {
            guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
            return .milliseconds(Int64((value * scale * 1000).rounded()))
        }
        if text.hasSuffix("ms") { return seconds(text.dropLast(2), scale: 0.001) }
        if text.hasSuffix("s") { return seconds(text.dropLast(), scale: 1) }
        if text.hasSuffix("m") { return seconds(text.dropLast(), scale: 60) }
        return seconds(Substring(text), scale: 1)
    }

    /// Splits `HOST:PORT` (or `[v6]:PORT`, or `HOST` alone for the default port).
    public static func parseEndpoint(_ text: String) -> (host: String, port: Int)? {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (host, WireProtocol.defaultAgentPort) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) else { return nil }
            return (host, port)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1 where !text.isEmpty:
            return (text, WireProtocol.defaultAgentPort)
        case 2 where !parts[0].isEmpty:
            guard let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            return (String(parts[0]), port)
        default:
            return nil
        }
    }
}
