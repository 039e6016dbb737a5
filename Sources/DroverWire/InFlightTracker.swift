/// The outstanding requests of one direction of a connection, bounded by a limit.
///
/// Pure state: a session calls ``begin(_:)`` when a request is sent or received and
/// ``complete(_:)`` when its response is received or sent.
public struct InFlightTracker: Hashable, Sendable {
    /// What ``InFlightTracker/begin(_:)`` decided.
    public enum BeginResult: Hashable, Sendable {
        /// Tracked now.
        case ok
        /// The limit is reached: answer `ERROR TOO_MANY_IN_FLIGHT` (non-fatal); not tracked.
        case tooMany
        /// The id is already outstanding: a protocol violation; not tracked again.
        case duplicate
        /// Id 0 is a one-way message, never tracked.
        case oneWay
    }

    /// Most outstanding requests allowed.
    public let limit: Int
    private var ids: Set<UInt32> = []

    /// Creates an empty tracker allowing `limit` outstanding requests.
    public init(limit: Int = WireLimits.default.maxInFlight) {
        precondition(limit >= 0)
        self.limit = limit
    }

    /// Number of outstanding requests.
    public var count: Int { ids.count }

    /// Whether no request is outstanding.
    public var isEmpty: Bool { ids.isEmpty }

    /// Whether `requestID` is outstanding.
    public func contains(_ requestID: UInt32) -> Bool { ids.contains(requestID) }

    /// Starts tracking `requestID` if the limit allows.
    public mutating func begin(_ requestID: UInt32) -> BeginResult {
        guard requestID != 0 else { return .oneWay }
        guard !ids.contains(requestID) else { return .duplicate }
        guard ids.count < limit else { return .tooMany }
        ids.insert(requestID)
        return .ok
    }

    /// Stops tracking `requestID`; returns whether it was outstanding (a response to an
    /// unknown id is ignored or treated as a protocol violation by the caller).
    @discardableResult
    public mutating func complete(_ requestID: UInt32) -> Bool {
        ids.remove(requestID) != nil
    }

    /// Stops tracking everything (connection lost) and returns the ids, in ascending order.
    public mutating func removeAll() -> [UInt32] {
        defer { ids.removeAll() }
        return ids.sorted()
    }
}
