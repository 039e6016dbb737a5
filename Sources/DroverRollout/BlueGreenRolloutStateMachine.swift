/// The blue-green strategy as a pure state machine (same conventions as
/// ``CanaryRolloutStateMachine``, whose machinery it runs with a two-step plan).
///
/// 1. The full new set starts beside the old on every host: a canary swap at weight 0,
///    `max_parallel` at a time.
/// 2. When every host is up and `verify` has passed (analysis must not fail on any traffic the
///    new set gets; too little traffic is not a reason to wait), the switch: `setWeights 10000`
///    on every host at once (`auto_switch`, or on ``RolloutInput/promote``).
/// 3. For `keep_old` the old set stays warm and analysis keeps running; a failure, an abort or
///    a rollback switches back at once (`setWeights 0` everywhere, then `revertCanary`).
/// 4. Then the old set is retired (`promote` on every host) and the rollout succeeds.
///
/// Anything failing before the switch removes the new set (`revertCanary` on touched hosts).
public struct BlueGreenRolloutStateMachine: Sendable {
    /// The machinery.
    private var machine: CanaryRolloutStateMachine

    /// A new blue-green rollout; `plan.mode` must be `.blueGreen` (see ``TrafficRolloutPlan/blueGreen(rolloutID:service:fromVersion:toVersion:hosts:update:)``).
    public init(plan: TrafficRolloutPlan) {
        precondition(
            plan.mode == .blueGreen && plan.steps.count == 2, "a blue-green plan has two steps: verify and keep_old")
        machine = CanaryRolloutStateMachine(plan: plan)
    }

    /// A rollout continuing from persisted state; send ``redeliveries()`` next.
    public init(restoring state: TrafficRolloutState) {
        machine = CanaryRolloutStateMachine(restoring: state)
    }

    /// The whole persisted state.
    public var state: TrafficRolloutState { machine.state }

    /// Whether all traffic goes to the new set (the switch happened).
    public var switched: Bool { machine.state.stepIndex >= 1 || machine.state.phase == .promoting }

    /// The outcome once the rollout is over.
    public var outcome: RolloutOutcome? { machine.outcome }

    /// The earliest instant a tick could change something.
    public var nextDueAt: Int64? { machine.nextDueAt }

    /// Feeds one input at `now`; `persist` first when anything changed.
    public mutating func handle(_ input: RolloutInput, now: Int64) -> [TrafficRolloutAction] {
        machine.handle(input, now: now)
    }

    /// The commands in flight to send again after a restart.
    public func redeliveries() -> [TrafficRolloutAction] {
        machine.redeliveries()
    }
}
