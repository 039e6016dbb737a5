/// Constants of the Drover wire protocol that are not part of a frame.
///
/// The protocol version and ALPN ids live in `DroverVersion` (on main), so they have one
/// source of truth.
public enum WireProtocol {
    /// TCP port the controller listens on for agents (sessions and enrollment).
    public static let defaultAgentPort = 7400
    /// Default heartbeat interval, in milliseconds.
    public static let defaultHeartbeatIntervalMs: UInt32 = 5000
    /// Missed heartbeat intervals after which the peer counts as lost.
    public static let missedHeartbeatsUntilLost = 3
    /// What a controller announces in `Welcome.heartbeat_request_every` by default: every sixth
    /// heartbeat is a request, the five between are one-way (§7.1). Answers are most of what a
    /// fleet of idle agents costs the controller; a request every 30 s still tells an agent within
    /// 45 s that its controller hangs (a vanished controller host shows sooner, in TCP).
    public static let defaultHeartbeatRequestEvery: UInt32 = 6
    /// The most heartbeats an agent lets pass between two requests, whatever `Welcome` says.
    public static let maxHeartbeatRequestEvery: UInt32 = 12

    /// Capability strings exchanged in `Hello` / `Welcome`.
    public enum Capability {
        /// The peer accepts and sends compressed frames (flag 0x01).
        public static let zlib = "zlib"
        /// The agent sends `CommandProgress`.
        public static let commandProgress = "command-progress"
    }
}
