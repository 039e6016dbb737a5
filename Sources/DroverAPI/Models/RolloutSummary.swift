/// One rollout in `GET /v1/rollouts` and the answer to deploy, rollback and the rollout actions.
public struct RolloutSummary: Codable, Sendable, Equatable {
    /// Rollout id, e.g. `r-5f2c81`.
    public var id: String
    /// The service.
    public var service: String
    /// `deploy` (a new version) or `rollback` (an operator asked to go back).
    public var kind: String
    /// The version the hosts ran before (`none` for a first deploy).
    public var fromVersion: String
    /// The version being rolled out.
    public var toVersion: String
    /// `running`, `paused`, `rolling_back`, `succeeded`, `rolled_back`, `aborted` or `failed`;
    /// canary and blue-green rollouts also `holding` (a weight set by hand), `awaiting_promote`
    /// and `promoting`.
    public var phase: String
    /// Target hosts.
    public var hostCount: Int
    /// Hosts on the new version and healthy for `min_healthy_time` (canary, blue-green: hosts
    /// running only the new version).
    public var updatedCount: Int
    /// When it was created, Unix milliseconds.
    public var createdAt: Int64
    /// When it ended, Unix milliseconds.
    public var finishedAt: Int64?
    /// One line on how it ended (the rollback's why, a failure), if it has.
    public var outcome: String?
    /// How long the rollback took, if there was one and it ended.
    public var rollbackDurationMs: Int64?
    /// `rolling`, `canary` or `blue-green` (absent from controllers before canaries: rolling).
    public var strategy: String?
    /// Canary and blue-green: the canary's share of the traffic set now, basis points (0–10000).
    public var canaryWeightBp: Int?

    enum CodingKeys: String, CodingKey {
        case id, service, kind, phase, outcome
        case fromVersion = "from_version"
        case toVersion = "to_version"
        case hostCount = "host_count"
        case updatedCount = "updated_count"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
        case rollbackDurationMs = "rollback_duration_ms"
        case strategy
        case canaryWeightBp = "canary_weight_bp"
    }

    /// Creates a summary.
    public init(
        id: String, service: String, kind: String, fromVersion: String, toVersion: String, phase: String,
        hostCount: Int, updatedCount: Int, createdAt: Int64, finishedAt: Int64? = nil, outcome: String? = nil,
        rollbackDurationMs: Int64? = nil, strategy: String? = nil, canaryWeightBp: Int? = nil
    ) {
        self.id = id
        self.service = service
        self.kind = kind
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.phase = phase
        self.hostCount = hostCount
        self.updatedCount = updatedCount
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.rollbackDurationMs = rollbackDurationMs
        self.strategy = strategy
        self.canaryWeightBp = canaryWeightBp
    }

    /// Whether the rollout is over.
    public var isFinished: Bool {
        ["succeeded", "rolled_back", "aborted", "failed"].contains(phase)
    }
}

/// `GET /v1/rollouts`.
public struct RolloutList: Codable, Sendable, Equatable {
    /// Newest first.
    public var rollouts: [RolloutSummary]

    /// A list.
    public init(rollouts: [RolloutSummary]) {
        self.rollouts = rollouts
    }
}
