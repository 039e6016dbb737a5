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
    /// - Parameter receivedAt: the controller's wall clock, Unix milliseconds.
    func hostReport(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64) async
    /// The session of `hostID` ended (`reason` is human-readable: goodbye, lost, error).
    func hostDisconnected(hostID: String, reason: String) async
}
