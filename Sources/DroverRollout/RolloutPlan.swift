/// What one rolling rollout does: which service, from which version to which, on which hosts,
/// with which limits. Fixed when the rollout is created and persisted with its state.
public struct RolloutPlan: Codable, Sendable, Equatable {
    /// The hard bound on a rollback: 5 minutes.
    public static let defaultRollbackDeadline: Int64 = 300_000

    /// The rollout's id; part of every command id.
    public var rolloutID: String
    /// The service's name.
    public var service: String
    /// The version the hosts run now (the rollback target by default).
    public var fromVersion: String
    /// The version being rolled out.
    public var toVersion: String
    /// The target hosts, in rollout order (distinct).
    public var hosts: [String]
    /// Hosts in flight at once (resolved from `max_parallel`, at least 1).
    public var maxParallel: Int
    /// Milliseconds a new instance must stay healthy before its host is done.
    public var minHealthyTime: Int64
    /// Milliseconds from a host's swap command to done before the host counts as failed.
    public var healthyDeadline: Int64
    /// Milliseconds without a host finishing before the rollout counts as failed.
    public var progressDeadline: Int64
    /// Whether a failure rolls back automatically.
    public var autoRevert: Bool
    /// Milliseconds a rollback may take in all.
    public var rollbackDeadline: Int64

    /// A plan with explicit limits (milliseconds).
    public init(
        rolloutID: String, service: String, fromVersion: String, toVersion: String, hosts: [String],
        maxParallel: Int, minHealthyTime: Int64, healthyDeadline: Int64, progressDeadline: Int64,
        autoRevert: Bool, rollbackDeadline: Int64 = RolloutPlan.defaultRollbackDeadline
    ) {
        var seen = Set<String>()
        self.rolloutID = rolloutID
        self.service = service
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.hosts = hosts.filter { seen.insert($0).inserted }
        self.maxParallel = max(1, maxParallel)
        self.minHealthyTime = max(0, minHealthyTime)
        self.healthyDeadline = healthyDeadline
        self.progressDeadline = progressDeadline
        self.autoRevert = autoRevert
        self.rollbackDeadline = rollbackDeadline
    }

    /// A plan taking its limits from a spec's `update` block; `max_parallel` resolves against
    /// the number of hosts.
    public init(
        rolloutID: String, service: String, fromVersion: String, toVersion: String, hosts: [String],
        update: UpdatePolicy
    ) {
        self.init(
            rolloutID: rolloutID, service: service, fromVersion: fromVersion, toVersion: toVersion, hosts: hosts,
            maxParallel: update.maxParallel.resolved(hostCount: Set(hosts).count),
            minHealthyTime: update.minHealthyTime.milliseconds,
            healthyDeadline: update.healthyDeadline.milliseconds,
            progressDeadline: update.progressDeadline.milliseconds, autoRevert: update.autoRevert)
    }

    /// The id of the `attempt`-th command to `host`: the same inputs always give the same id,
    /// so an agent recognises a re-sent command and treats it as a no-op.
    public func commandID(host: String, attempt: Int) -> String {
        "\(rolloutID)/\(host)/\(attempt)"
    }
}
