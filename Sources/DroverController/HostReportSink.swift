import DroverWire

/// Facts about an agent session that just completed its opening exchange.
public struct ConnectedHost: Sendable, Hashable {
    /// The host's id (its certificate's identity).
    public var hostID: String
    /// The address the agent connected from (`ip:port`).
    public var address: String
    /// The agent's software version from `Hello`.
    public var agentVersion: String
    /// Capabilities both sides negotiated.
    public var capabilities: Set<String>
    /// When the session was established, Unix milliseconds.
    public var connectedAt: Int64

    /// Creates the facts.
    public init(hostID: String, address: String, agentVersion: String, capabilities: Set<String>, connectedAt: Int64) {
        self.hostID = hostID
        self.address = address
        self.agentVersion = agentVersion
        self.capabilities = capabilities
        self.connectedAt = connectedAt
    }
}

/// Why an agent session ended.
public enum DisconnectCause: Sendable, Hashable, CustomStringConvertible {
    /// The agent closed gracefully (`GOODBYE`) with this reason.
    case goodbye(String)
    /// No heartbeat for 3 intervals: the host is lost.
    case lost
    /// A newer session of the same host replaced this one.
    case replaced
    /// The controller is shutting down.
    case controllerShutdown
    /// The connection failed: EOF, TLS or protocol error (the text says which).
    case failed(String)

    /// A short machine-readable name: `goodbye`, `lost`, `replaced`, `shutdown`, `failed`.
    public var name: String {
        switch self {
        case .goodbye: "goodbye"
        case .lost: "lost"
        case .replaced: "replaced"
        case .controllerShutdown: "shutdown"
        case .failed: "failed"
        }
    }

    public var description: String {
        switch self {
        case .goodbye(let reason): "agent said goodbye: \(reason)"
        case .lost: "agent lost: no heartbeat for 3 intervals"
        case .replaced: "replaced by a newer session of the same host"
        case .controllerShutdown: "controller shutting down"
        case .failed(let reason): reason
        }
    }
}

/// Where the controller hands what agents tell it: the seam the inventory implements.
///
/// Called from each agent session's task, in order per host; calls for different hosts may
/// run concurrently. Implementations must not block for long (they delay that host's
/// session loop, heartbeats included).
public protocol HostReportSink: Sendable {
    /// An agent session for `host.hostID` completed its opening exchange.
    func hostConnected(_ host: ConnectedHost) async
    /// A `HostReport` arrived from an authenticated session of `hostID`.
    ///
    /// Synchronous, and must be quick: it runs on the session's event loop for every report,
    /// and as an async call it would keep the report in the session task's frames.
    ///
    /// - Parameter receivedAt: the controller's wall clock, Unix milliseconds.
    func hostReport(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64)
    /// The session of `hostID` ended.
    func hostDisconnected(hostID: String, cause: DisconnectCause) async
    /// The controller stopped serving agents: write what was held back (called once, last).
    func flush() async
}

extension HostReportSink {
    /// Nothing held back by default.
    public func flush() async {}
}
