import DroverSession
import DroverStore
import Synchronization

/// Carries out the retention schedule: on each tick flushes the aggregated refusal counts
/// (audit and enrollment) and, when due, prunes the audit and events tables.
public final class RetentionPruner: Sendable {
    /// How often the controller ticks it (a tick that prunes nothing costs two lock round trips).
    public static let tickInterval: Duration = .seconds(1)

    /// What one prune removed.
    public struct Pruned: Sendable, Equatable {
        /// Audit entries deleted.
        public var audit: Int
        /// Events deleted.
        public var events: Int
    }

    private let store: any StateStore
    private let audit: AuditRecorder?
    private let refusals: EnrollmentRefusalLimiter?
    private let logger: DroverLogger
    private let schedule: Mutex<RetentionScheduleStateMachine>

    /// A pruner over `store` with `policy`, flushing `audit` and `refusals` on every tick.
    public init(
        store: any StateStore, policy: RetentionPolicy, audit: AuditRecorder? = nil,
        refusals: EnrollmentRefusalLimiter? = nil, logger: DroverLogger = DroverLogger(label: "drover.controller")
    ) {
        self.store = store
        self.audit = audit
        self.refusals = refusals
        self.logger = logger
        self.schedule = Mutex(RetentionScheduleStateMachine(policy: policy))
    }

    /// One tick at `now` (Unix ms); returns what was pruned, `nil` when no prune was due.
    @discardableResult
    public func tick(now: Int64) -> Pruned? {
        audit?.flush(now: now)
        refusals?.flush(now: now)
        let (action, policy) = schedule.withLock { ($0.tick(now: now), $0.policy) }
        guard case .prune(let auditBefore, let eventsBefore) = action else { return nil }
        var pruned = Pruned(audit: 0, events: 0)
        do {
            pruned.audit = try store.pruneAudit(olderThan: auditBefore, keepingAtMost: policy.auditMaxRows)
            pruned.events = try store.pruneEvents(olderThan: eventsBefore, keepingAtMost: policy.eventsMaxRows)
        } catch {
            logger.warning("pruning the audit log and events failed", ["error": "\(error)"])
        }
        if pruned.audit > 0 || pruned.events > 0 {
            logger.info("pruned old history", ["audit.deleted": "\(pruned.audit)", "events.deleted": "\(pruned.events)"])
        }
        return pruned
    }
}
