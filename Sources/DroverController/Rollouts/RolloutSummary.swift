/// One rollout in a list: what it moves, where it is, how it ended.
public struct RolloutSummary: Sendable, Equatable, Codable {
    /// The rollout's id.
    public var id: String
    /// The service's name.
    public var service: String
    /// `deploy` or `rollback`.
    public var kind: String
    /// The version the hosts ran when it began (`none` for a first deploy).
    public var fromVersion: String
    /// The version it rolls out.
    public var toVersion: String
    /// `not-started`, `running`, `paused`, `rolling-back` or `finished`.
    public var phase: String
    /// `succeeded`, `rolled-back`, `aborted` or `failed`; `nil` while it runs.
    public var outcome: String?
    /// Target hosts.
    public var hostCount: Int
    /// Hosts on the new version and healthy for `min_healthy_time`.
    public var updatedCount: Int
    /// When it was created, Unix milliseconds.
    public var createdAt: Int64
    /// When its state last changed, Unix milliseconds.
    public var updatedAt: Int64
    /// When it finished, Unix milliseconds.
    public var finishedAt: Int64?
    /// How long its rollback took, if it rolled back.
    public var rollbackDurationMs: Int64?

    /// Creates a summary.
    public init(
        id: String, service: String, kind: String, fromVersion: String, toVersion: String, phase: String,
        outcome: String?, hostCount: Int, updatedCount: Int, createdAt: Int64, updatedAt: Int64,
        finishedAt: Int64?, rollbackDurationMs: Int64?
    ) {
        self.id = id
        self.service = service
        self.kind = kind
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.phase = phase
        self.outcome = outcome
        self.hostCount = hostCount
        self.updatedCount = updatedCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.rollbackDurationMs = rollbackDurationMs
    }
}
