/// Everything a rolling rollout knows, persisted before each action is carried out so a
/// restarted controller resumes exactly where it was (see ``RollingRolloutStateMachine/init(restoring:)``).
public struct RolloutState: Codable, Sendable, Equatable {
    /// The fixed plan.
    public var plan: RolloutPlan
    /// Where the rollout is.
    public var phase: RolloutPhase
    /// One entry per target host, in plan order.
    public var hosts: [RolloutHost]
    /// When `start` arrived (wall-clock milliseconds).
    public var startedAt: Int64?
    /// When a host last finished (or the rollout started or resumed): the progress deadline's origin.
    public var lastProgressAt: Int64
    /// The latest rollback, running or done, with its "why".
    public var rollback: RollbackReport?

    /// A rollout that has not started.
    public init(plan: RolloutPlan) {
        self.plan = plan
        self.phase = .notStarted
        self.hosts = plan.hosts.map { RolloutHost(name: $0, version: plan.fromVersion) }
        self.lastProgressAt = 0
    }

    /// Hosts with a forward swap under way (sent, or healthy but not yet for `min_healthy_time`).
    public var inFlightCount: Int {
        hosts.count(where: { $0.status == .swapping || $0.status == .stabilizing })
    }
}

/// Where a rollout is.
public enum RolloutPhase: Codable, Sendable, Equatable {
    /// Created, waiting for `start`.
    case notStarted
    /// Swapping hosts, `max_parallel` at a time.
    case running
    /// No new hosts start; hosts in flight finish.
    case paused
    /// Every touched host is being swapped back in parallel.
    case rollingBack
    /// Over; no more commands will be sent.
    case finished(RolloutOutcome)
}

/// One target host's part in a rollout.
public struct RolloutHost: Codable, Sendable, Equatable {
    /// Where the host is.
    public enum Status: String, Codable, Sendable, Equatable {
        /// Not touched yet.
        case pending
        /// Swap command sent; waiting for the new instance to be healthy.
        case swapping
        /// New instance healthy; waiting for `min_healthy_time`.
        case stabilizing
        /// Runs the new version, healthy for `min_healthy_time`.
        case updated
        /// Swap-back command sent; waiting for the old instance to be healthy.
        case reverting
        /// Back on the rollback's version, healthy.
        case reverted
        /// Its revert failed too often; needs an operator.
        case stuck
    }

    /// The host's name (or id).
    public var name: String
    /// Where the host is.
    public var status: Status = .pending
    /// The version the host runs, or is being moved to by the current command.
    public var version: String
    /// Commands issued to this host so far; the current command's id uses it.
    public var attempt: Int = 0
    /// Revert commands issued during the current rollback.
    public var revertAttempts: Int = 0
    /// The id of the current command; events for other ids are stale and ignored.
    public var commandID: String?
    /// When the current command was issued.
    public var dispatchedAt: Int64?
    /// When the current command's instance became healthy.
    public var healthySince: Int64?
    /// Whether the controller has lost contact with the host.
    public var lost: Bool = false
    /// A failed revert waits until this time (wall-clock ms) before its next command is sent.
    public var retryAt: Int64?
    /// Whether the rollout ever sent this host a command.
    public var touched: Bool = false

    /// A pending host on `version`.
    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }
}
