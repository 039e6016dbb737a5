import DroverWire

/// What the opening exchange settled for one connection (Protocol/README.md §6).
public struct NegotiatedSession: Hashable, Sendable {
    /// The chosen protocol version.
    public var version: UInt32
    /// Capabilities both sides support.
    public var capabilities: Set<String>
    /// Limits that apply to both directions from now on.
    public var limits: WireLimits
    /// How often the agent sends a heartbeat.
    public var heartbeatInterval: Duration
    /// Every how many heartbeats one is a request (answered); the others are one-way (§7.1).
    /// Within 1...``WireProtocol/maxHeartbeatRequestEvery``.
    public var heartbeatRequestEvery: Int
    /// The controller's id for this host (empty on enrollment connections).
    public var hostID: String
    /// The peer's software version (informational).
    public var peerVersion: String

    /// Creates the settled parameters.
    public init(
        version: UInt32,
        capabilities: Set<String>,
        limits: WireLimits,
        heartbeatInterval: Duration,
        hostID: String,
        peerVersion: String,
        heartbeatRequestEvery announced: UInt32 = 1
    ) {
        self.version = version
        self.capabilities = capabilities
        self.limits = limits
        self.heartbeatInterval = heartbeatInterval
        // As announced in `Welcome`: 0 (a controller that predates the field) means every one.
        self.heartbeatRequestEvery = Int(min(max(announced, 1), WireProtocol.maxHeartbeatRequestEvery))
        self.hostID = hostID
        self.peerVersion = peerVersion
    }

    /// Whether frames may be compressed (`zlib` negotiated).
    public var compression: Bool { capabilities.contains(WireProtocol.Capability.zlib) }
}
