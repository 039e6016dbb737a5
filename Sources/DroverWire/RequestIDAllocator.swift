/// Which end of a connection a side is: it decides the parity of the request ids it uses.
public enum ConnectionRole: Hashable, Sendable {
    /// The side that opened the connection (the agent): odd request ids.
    case initiator
    /// The side that accepted it (the controller): even request ids.
    case acceptor

    /// Whether `requestID` is one this side allocates (odd for the initiator, even and
    /// non-zero for the acceptor).
    public func allocates(_ requestID: UInt32) -> Bool {
        guard requestID != 0 else { return false }
        return (requestID & 1 == 1) == (self == .initiator)
    }
}

/// Hands out request ids for one connection: odd for the initiator, even for the
/// acceptor, so the two directions never collide; wraps around skipping 0.
public struct RequestIDAllocator: Hashable, Sendable {
    /// The side this allocator serves.
    public let role: ConnectionRole
    private var nextID: UInt32

    /// Starts at 1 (initiator) or 2 (acceptor).
    public init(role: ConnectionRole) {
        self.role = role
        self.nextID = role == .initiator ? 1 : 2
    }

    /// Starts at `first`, which must have the role's parity and not be 0.
    public init(role: ConnectionRole, first: UInt32) {
        precondition(role.allocates(first), "first request id \(first) does not belong to \(role)")
        self.role = role
        self.nextID = first
    }

    /// The id the next call to ``next()`` returns.
    public var peek: UInt32 { nextID }

    /// Returns a fresh id and advances by 2, wrapping past `UInt32.max` to 1 or 2.
    public mutating func next() -> UInt32 {
        let id = nextID
        let (advanced, overflow) = nextID.addingReportingOverflow(2)
        nextID = overflow ? (role == .initiator ? 1 : 2) : advanced
        return id
    }
}
