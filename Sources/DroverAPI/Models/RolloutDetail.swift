/// `GET /v1/rollouts/{id}`: a rollout with every host, its batches and deadlines, its log and
/// the why of a rollback.
public struct RolloutDetail: Codable, Sendable, Equatable {
    /// The summary.
    public var summary: RolloutSummary
    /// Hosts swapped at a time.
    public var maxParallel: Int
    /// When the rollout fails for lack of progress, Unix milliseconds (while it runs).
    public var progressDeadlineAt: Int64?
    /// When a running rollback must be over (the hard 5-minute bound), Unix milliseconds.
    public var rollbackDeadlineAt: Int64?
    /// Every target host, in plan order.
    public var hosts: [RolloutHostStatus]
    /// What happened, oldest first.
    public var log: [RolloutLogEntry]
    /// The rollback's why, if there was one.
    public var why: RollbackWhy?
    /// Canary and blue-green: every step so far with its weight, measured share and verdicts.
    public var steps: [RolloutStepStatus]?

    enum CodingKeys: String, CodingKey {
        case summary, hosts, log, why, steps
        case maxParallel = "max_parallel"
        case progressDeadlineAt = "progress_deadline_at"
        case rollbackDeadlineAt = "rollback_deadline_at"
    }

    /// Creates a detail.
    public init(
        summary: RolloutSummary, maxParallel: Int, progressDeadlineAt: Int64? = nil, rollbackDeadlineAt: Int64? = nil,
        hosts: [RolloutHostStatus], log: [RolloutLogEntry], why: RollbackWhy? = nil, steps: [RolloutStepStatus]? = nil
    ) {
        self.summary = summary
        self.maxParallel = maxParallel
        self.progressDeadlineAt = progressDeadlineAt
        self.rollbackDeadlineAt = rollbackDeadlineAt
        self.hosts = hosts
        self.log = log
        self.why = why
        self.steps = steps
    }
}

/// One host's part in a rollout.
public struct RolloutHostStatus: Codable, Sendable, Equatable {
    /// Host id.
    public var host: String
    /// `pending`, `swapping`, `stabilizing`, `updated`, `reverting`, `reverted` or `stuck`;
    /// canary and blue-green: `pending`, `swapping`, `live`, `weighting`, `promoting`,
    /// `promoted`, `reverting`, `reverted` or `stuck`.
    public var status: String
    /// The version the host is being moved to (or is on).
    public var version: String
    /// Swap attempts so far.
    public var attempt: Int
    /// Whether the host is lost right now.
    public var lost: Bool
    /// The last progress step the agent reported, e.g. `health-check`.
    public var step: String?

    /// Creates a host status.
    public init(host: String, status: String, version: String, attempt: Int, lost: Bool = false, step: String? = nil) {
        self.host = host
        self.status = status
        self.version = version
        self.attempt = attempt
        self.lost = lost
        self.step = step
    }
}

/// One line of a rollout's log.
public struct RolloutLogEntry: Codable, Sendable, Equatable {
    /// When, Unix milliseconds.
    public var at: Int64
    /// The host it concerns, if one.
    public var host: String?
    /// What happened.
    public var message: String

    /// Creates an entry.
    public init(at: Int64, host: String? = nil, message: String) {
        self.at = at
        self.host = host
        self.message = message
    }
}

/// Why a rollback happened and what it did.
public struct RollbackWhy: Codable, Sendable, Equatable {
    /// The host that tripped the signal, if one did.
    public var host: String?
    /// `unhealthy`, `swapFailed`, `healthyDeadline`, `progressDeadline`, `hostLost` or `manual`.
    public var signal: String
    /// What was observed, e.g. `3 consecutive failures: HTTP 500`.
    public var observed: String
    /// The threshold it crossed, e.g. `health.unhealthy_threshold 3`.
    public var threshold: String
    /// What was done.
    public var action: String
    /// The version the hosts went back to.
    public var targetVersion: String
    /// Hosts sent back.
    public var revertedHosts: [String]
    /// Hosts never touched and left alone.
    public var skippedHosts: [String]
    /// When the rollback began, Unix milliseconds.
    public var startedAt: Int64
    /// When it ended.
    public var finishedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case host, signal, observed, threshold, action
        case targetVersion = "target_version"
        case revertedHosts = "reverted_hosts"
        case skippedHosts = "skipped_hosts"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    /// Creates a why.
    public init(
        host: String?, signal: String, observed: String, threshold: String, action: String, targetVersion: String,
        revertedHosts: [String], skippedHosts: [String], startedAt: Int64, finishedAt: Int64?
    ) {
        self.host = host
        self.signal = signal
        self.observed = observed
        self.threshold = threshold
        self.action = action
        self.targetVersion = targetVersion
        self.revertedHosts = revertedHosts
        self.skippedHosts = skippedHosts
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}
