/// A session that opened, for ``StateStore/recordHostsConnected(_:)``.
public struct HostSessionStart: Sendable, Equatable {
    /// The host.
    public var hostID: String
    /// When the session was established, Unix milliseconds (the new `last_seen_at`).
    public var at: Int64
    /// Where the agent connected from.
    public var address: String
    /// The agent's software version.
    public var agentVersion: String
    /// The event recorded with it (e.g. `host.connected`).
    public var event: NewEvent

    /// Creates the record of one session start.
    public init(hostID: String, at: Int64, address: String, agentVersion: String, event: NewEvent) {
        self.hostID = hostID
        self.at = at
        self.address = address
        self.agentVersion = agentVersion
        self.event = event
    }
}
