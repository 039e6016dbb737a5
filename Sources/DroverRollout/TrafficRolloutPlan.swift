/// What one canary or blue-green rollout does: the versions, the hosts, the steps of traffic
/// weight, the analysis thresholds and the limits. Fixed at creation and persisted with the state.
///
/// A blue-green rollout is two steps of the same machinery: weight 0 on every host for
/// `verify` (the new set up beside the old), then weight 100 % on every host at once for
/// `keep_old` (the old set warm for an instant switch back), then the old set is retired.
public struct TrafficRolloutPlan: Codable, Sendable, Equatable {
    /// Which strategy the plan carries out (they differ in how promote and verdicts are read).
    public enum Mode: String, Codable, Sendable, Equatable {
        /// Canary steps; too little traffic pauses the rollout.
        case canary
        /// Verify, switch, keep old; traffic is judged when there is any.
        case blueGreen = "blue-green"
    }

    /// One step, resolved against the fleet.
    public struct Step: Codable, Sendable, Equatable {
        /// The canary's share of each step host's traffic, basis points (0…10000).
        public var weightBP: Int
        /// Milliseconds the step lasts once its weight is in effect; `nil`: until an operator's resume.
        public var pause: Int64?
        /// The first `hostCount` plan hosts carry the canary in this step.
        public var hostCount: Int
        /// Whether the step waits for an operator's promote after its pause (blue-green `auto_switch: false`).
        public var awaitPromote: Bool

        /// A step.
        public init(weightBP: Int, pause: Int64?, hostCount: Int, awaitPromote: Bool = false) {
            self.weightBP = weightBP
            self.pause = pause
            self.hostCount = hostCount
            self.awaitPromote = awaitPromote
        }
    }

    /// The rollout's id; part of every command id.
    public var rolloutID: String
    /// The service's name.
    public var service: String
    /// The stable version (the rollback target).
    public var fromVersion: String
    /// The new version.
    public var toVersion: String
    /// The target hosts, in order (distinct); steps take a prefix.
    public var hosts: [String]
    /// Canary swaps and promotions in flight at once (at least 1).
    public var maxParallel: Int
    /// Milliseconds from a swap or promote command to a healthy instance before the host fails.
    public var healthyDeadline: Int64
    /// Milliseconds commands may be outstanding without any host finishing before the rollout fails.
    public var progressDeadline: Int64
    /// Milliseconds a rollback may take in all.
    public var rollbackDeadline: Int64
    /// The strategy.
    public var mode: Mode
    /// The steps, at least one.
    public var steps: [Step]
    /// Promote after the last step without waiting for an operator.
    public var autoPromote: Bool
    /// The analysis thresholds.
    public var analysis: AnalysisPolicy

    /// A plan with explicit values (milliseconds).
    public init(
        rolloutID: String, service: String, fromVersion: String, toVersion: String, hosts: [String], maxParallel: Int,
        healthyDeadline: Int64, progressDeadline: Int64, mode: Mode, steps: [Step], autoPromote: Bool,
        analysis: AnalysisPolicy, rollbackDeadline: Int64 = RolloutPlan.defaultRollbackDeadline
    ) {
        var seen = Set<String>()
        self.rolloutID = rolloutID
        self.service = service
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.hosts = hosts.filter { seen.insert($0).inserted }
        self.maxParallel = max(1, maxParallel)
        self.healthyDeadline = healthyDeadline
        self.progressDeadline = progressDeadline
        self.rollbackDeadline = rollbackDeadline
        self.mode = mode
        self.steps = steps
        self.autoPromote = autoPromote
        self.analysis = analysis
    }

    /// A canary plan from a spec's `update` block (strategy canary); `nil` without `update.canary`.
    public static func canary(
        rolloutID: String, service: String, fromVersion: String, toVersion: String, hosts: [String],
        update: UpdatePolicy
    ) -> TrafficRolloutPlan? {
        guard let canary = update.canary, !canary.steps.isEmpty else { return nil }
        let count = Set(hosts).count
        let steps = canary.steps.map { step in
            let pause: Int64? = if case .duration(let duration) = step.pause { duration.milliseconds } else { nil }
            return Step(weightBP: step.weightBP, pause: pause, hostCount: step.hosts.resolved(hostCount: count))
        }
        return TrafficRolloutPlan(
            rolloutID: rolloutID, service: service, fromVersion: fromVersion, toVersion: toVersion, hosts: hosts,
            maxParallel: update.maxParallel.resolved(hostCount: count),
            healthyDeadline: update.healthyDeadline.milliseconds,
            progressDeadline: update.progressDeadline.milliseconds, mode: .canary, steps: steps,
            autoPromote: canary.autoPromote, analysis: update.effectiveAnalysis)
    }

    /// A blue-green plan from a spec's `update` block (`update.blue_green` defaults when absent).
    public static func blueGreen(
        rolloutID: String, service: String, fromVersion: String, toVersion: String, hosts: [String],
        update: UpdatePolicy
    ) -> TrafficRolloutPlan {
        let policy = update.blueGreen ?? BlueGreenPolicy()
        let count = Set(hosts).count
        return TrafficRolloutPlan(
            rolloutID: rolloutID, service: service, fromVersion: fromVersion, toVersion: toVersion, hosts: hosts,
            maxParallel: update.maxParallel.resolved(hostCount: count),
            healthyDeadline: update.healthyDeadline.milliseconds,
            progressDeadline: update.progressDeadline.milliseconds, mode: .blueGreen,
            steps: [
                Step(
                    weightBP: 0, pause: policy.verify.milliseconds, hostCount: count, awaitPromote: !policy.autoSwitch),
                Step(weightBP: 10_000, pause: policy.keepOld.milliseconds, hostCount: count),
            ], autoPromote: true, analysis: update.effectiveAnalysis)
    }

    /// The id of the `attempt`-th command to `host` (deterministic, so a re-sent command is a no-op).
    public func commandID(host: String, attempt: Int) -> String {
        "\(rolloutID)/\(host)/\(attempt)"
    }
}
