import DroverSession

/// Decides when the controller prunes the audit and events tables, and from which times.
///
/// Pure: `tick(now:)` is called on every retention tick (every few seconds); it prunes at the
/// first tick and then once every ``RetentionPolicy/pruneInterval``. A clock that steps back
/// does not delay pruning past one interval from the step.
struct RetentionScheduleStateMachine: Sendable {
    /// What to do on a tick.
    enum Action: Equatable {
        /// Delete audit entries before `auditBefore` and events before `eventsBefore` (Unix ms),
        /// then the oldest beyond the row caps.
        case prune(auditBefore: Int64, eventsBefore: Int64)
        /// Nothing is due.
        case wait
    }

    let policy: RetentionPolicy
    private var lastPruneAt: Int64?

    init(policy: RetentionPolicy) {
        self.policy = policy
    }

    mutating func tick(now: Int64) -> Action {
        if let last = lastPruneAt, now >= last, now - last < policy.pruneInterval.milliseconds {
            return .wait
        }
        lastPruneAt = now
        return .prune(
            auditBefore: Self.cutoff(now: now, age: policy.auditMaxAge),
            eventsBefore: Self.cutoff(now: now, age: policy.eventsMaxAge))
    }

    /// `now - age`, clamped instead of overflowing.
    static func cutoff(now: Int64, age: Duration) -> Int64 {
        let (cutoff, overflow) = now.subtractingReportingOverflow(age.milliseconds)
        return overflow ? Int64.min : cutoff
    }
}
