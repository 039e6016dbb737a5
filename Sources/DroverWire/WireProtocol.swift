/// Constants of the Drover wire protocol that are not part of a frame.
public enum WireProtocol {
    /// The protocol version Protocol/README.md describes.
    public static let version: UInt32 = 1
    /// ALPN protocol id of an agent session (mutual TLS).
    public static let alpn = "drover/1"
    /// ALPN protocol id of an enrollment connection (server-authenticated TLS).
    public static let enrollmentALPN = "drover-enroll/1"
    /// TCP port the controller listens on for agents.
    public static let defaultAgentPort = 7400
    /// Default heartbeat interval, in milliseconds.
    public static let defaultHeartbeatIntervalMs: UInt32 = 5000
    /// Missed heartbeat intervals after which the peer counts as lost.
    public static let missedHeartbeatsUntilLost = 3

    /// Capability strings exchanged in `Hello` / `Welcome`.
    public enum Capability {
        /// The peer accepts compressed frames (flag 0x01).
        public static let zlib = "zlib"
        /// The agent sends `CommandProgress`.
        public static let commandProgress = "command-progress"
    }
}
