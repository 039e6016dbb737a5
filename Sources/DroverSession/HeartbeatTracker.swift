/// The agent's heartbeat schedule and the "controller lost" decision (Protocol/README.md §7.1).
///
/// Pure: the caller passes the time. A heartbeat is due every `interval`: the first and then
/// every `requestEvery`-th one as a request, the others one-way (the controller counts them as
/// signs of life and answers nothing). The controller is lost when the oldest unanswered
/// heartbeat request is `missedLimit` intervals old.
public struct HeartbeatTracker: Hashable, Sendable {
    /// What to do now.
    public enum Action: Hashable, Sendable {
        /// Nothing is due.
        case idle
        /// Send a heartbeat request with this sequence number.
        case send(sequence: UInt64)
        /// Send a one-way heartbeat with this sequence number (no answer comes).
        case sendOneWay(sequence: UInt64)
        /// No answer for `missedLimit` intervals: close and reconnect.
        case lost
    }

    /// Time between heartbeats.
    public let interval: Duration
    /// Unanswered intervals until the peer counts as lost.
    public let missedLimit: Int
    /// Every how many heartbeats one is a request.
    public let requestEvery: Int
    private var nextSendAt: ContinuousClock.Instant
    private var lastSequence: UInt64 = 0
    /// Send time of every unanswered heartbeat, by sequence.
    private var unanswered: [UInt64: ContinuousClock.Instant] = [:]

    /// Starts the schedule at `start`: the first heartbeat is due one interval later.
    public init(interval: Duration, missedLimit: Int = 3, requestEvery: Int = 1, start: ContinuousClock.Instant) {
        precondition(interval > .zero && missedLimit > 0 && requestEvery > 0)
        self.interval = interval
        self.missedLimit = missedLimit
        self.requestEvery = requestEvery
        self.nextSendAt = start + interval
    }

    /// Decides what is due at `now`. A `.send` is recorded as sent at `now`.
    public mutating func tick(now: ContinuousClock.Instant) -> Action {
        if let oldest = unanswered.values.min(), now - oldest >= interval * missedLimit {
            return .lost
        }
        guard now >= nextSendAt else { return .idle }
        lastSequence += 1
        nextSendAt = now + interval
        guard (lastSequence - 1) % UInt64(requestEvery) == 0 else { return .sendOneWay(sequence: lastSequence) }
        unanswered[lastSequence] = now
        return .send(sequence: lastSequence)
    }

    /// The controller answered heartbeat `sequence`; returns whether it was outstanding.
    @discardableResult
    public mutating func answered(sequence: UInt64) -> Bool {
        unanswered.removeValue(forKey: sequence) != nil
    }

    /// Heartbeats sent and not answered yet.
    public var outstanding: Int { unanswered.count }
}

/// The controller's view of an agent's heartbeats: lost after `missedLimit` silent intervals.
public struct HeartbeatMonitor: Hashable, Sendable {
    /// The interval announced in `Welcome`.
    public let interval: Duration
    /// Silent intervals until the agent counts as lost.
    public let missedLimit: Int
    private var lastHeard: ContinuousClock.Instant

    /// Starts watching at `start` (the `Welcome`).
    public init(interval: Duration, missedLimit: Int = 3, start: ContinuousClock.Instant) {
        precondition(interval > .zero && missedLimit > 0)
        self.interval = interval
        self.missedLimit = missedLimit
        self.lastHeard = start
    }

    /// A heartbeat (request or one-way) arrived at `now`.
    public mutating func heard(at now: ContinuousClock.Instant) {
        if now > lastHeard { lastHeard = now }
    }

    /// Whether the agent is lost at `now`.
    public func isLost(now: ContinuousClock.Instant) -> Bool {
        now - lastHeard >= interval * missedLimit
    }
}
