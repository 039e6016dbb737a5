/// What the rollout coordinator must do, in order. A ``persist(_:)`` always comes first when
/// the state changed: write it durably before carrying out anything after it.
public enum RolloutAction: Sendable, Equatable {
    /// Store this state durably (it replaces the previous one).
    case persist(RolloutState)
    /// Tell `host`'s agent to swap the service to `version` (start new, health-check, shift, drain, stop old).
    case swap(host: String, to: String, commandID: String)
    /// Tell `host`'s agent to swap back to `version`, skipping waits: part of a rollback.
    case revert(host: String, to: String, commandID: String)
    /// Tell operators (log, events API, alerts).
    case notify(RolloutNotification)
    /// The rollout is over with this outcome.
    case finished(RolloutOutcome)
}

/// Something operators should hear about.
public enum RolloutNotification: Codable, Sendable, Equatable {
    /// The rollout began.
    case started(hosts: Int, maxParallel: Int)
    /// A host runs the new version and stayed healthy for `min_healthy_time`.
    case hostUpdated(String)
    /// A host stopped reporting (a pending host waits for it; a host mid-swap fails the rollout).
    case hostLost(String)
    /// A lost host reports again.
    case hostBack(String)
    /// The operator paused the rollout.
    case paused
    /// The operator resumed the rollout.
    case resumed
    /// A rollback began; the report says why and what is being done.
    case rollbackStarted(RollbackReport)
    /// A host is back on the rollback's version.
    case hostReverted(String)
    /// A host's revert failed and is being retried (or gave up).
    case revertFailed(host: String, reason: String, willRetry: Bool)
    /// An operator command that does not apply now; nothing changed.
    case rejected(command: String, reason: String)
}

/// How a rollout ended.
public enum RolloutOutcome: Codable, Sendable, Equatable {
    /// Every host runs the new version and stayed healthy for `min_healthy_time`.
    case succeeded
    /// Every touched host is back on the rollback's version.
    case rolledBack(RollbackReport)
    /// The operator stopped the rollout; hosts were left as they were.
    case aborted
    /// The rollout could not finish cleanly; see the failure.
    case failed(RolloutFailure)
}

/// Why a rollout failed and which hosts need an operator.
public struct RolloutFailure: Codable, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: String, Codable, Sendable, Equatable {
        /// The rollback did not finish within its hard deadline.
        case rollbackDeadlineExceeded
        /// Some hosts' reverts failed every attempt.
        case revertFailed
        /// A host failed and `auto_revert` is off: the rollout stopped, hosts left as they are.
        case autoRevertDisabled
    }

    /// What went wrong.
    public var reason: Reason
    /// Hosts not on the intended version (stuck mid-revert, or the failed host without auto-revert).
    public var hosts: [String]
    /// The failure's "why" (with the rollback's timing when there was one).
    public var report: RollbackReport

    /// A failure.
    public init(reason: Reason, hosts: [String], report: RollbackReport) {
        self.reason = reason
        self.hosts = hosts
        self.report = report
    }

    /// `rollback deadline exceeded; stuck: web-3; <report>`.
    public var description: String {
        "\(reason.rawValue); hosts: \(hosts.joined(separator: ", ")); \(report)"
    }
}
