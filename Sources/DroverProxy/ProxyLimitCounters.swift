/// How often a ``ServiceProxy``'s limits acted since it started.
public struct ProxyLimitCounters: Sendable, Hashable {
    /// Connections that sent no complete request head in time (answered 408, closed).
    public var headTimeouts: UInt64 = 0
    /// Keep-alive connections closed for idling past the idle timeout.
    public var idleTimeouts: UInt64 = 0
    /// Connections closed because a request body stalled.
    public var bodyTimeouts: UInt64 = 0
    /// Times the connection cap was reached and accepting paused.
    public var acceptPauses: UInt64 = 0
    /// Connections accepted past the cap and closed at once (none while the listener accepts
    /// one connection per read, as it does).
    public var refusedConnections: UInt64 = 0

    /// All zero.
    public init() {}
}
