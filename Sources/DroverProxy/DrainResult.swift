/// What ``ServiceProxy/drain(backendID:timeout:)`` saw.
public struct DrainResult: Sendable, Hashable {
    /// The drained backend.
    public var backendID: String
    /// Requests (HTTP) or connections (TCP) in flight when the drain began.
    public var inFlightAtStart: Int
    /// Requests or connections still open at the timeout and closed by force.
    public var forceClosed: Int
    /// How long the drain took.
    public var duration: Duration

    /// Whether everything finished before the timeout.
    public var drainedCleanly: Bool { forceClosed == 0 }

    /// A result.
    public init(backendID: String, inFlightAtStart: Int, forceClosed: Int, duration: Duration) {
        self.backendID = backendID
        self.inFlightAtStart = inFlightAtStart
        self.forceClosed = forceClosed
        self.duration = duration
    }
}
