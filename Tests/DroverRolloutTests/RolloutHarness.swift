import DroverRollout
import Testing

/// Fixed start time (wall-clock milliseconds): tests drive the clock by hand.
let t0: Int64 = 1_800_000_000_000

/// A plan with Drover's defaults unless told otherwise.
func plan(
    hosts count: Int, maxParallel: Int = 1, minHealthyTime: Int64 = 10_000, healthyDeadline: Int64 = 300_000,
    progressDeadline: Int64 = 600_000, autoRevert: Bool = true
) -> RolloutPlan {
    RolloutPlan(
        rolloutID: "r1", service: "web", fromVersion: "v1", toVersion: "v2",
        hosts: (0..<count).map { "h\($0 + 1)" }, maxParallel: maxParallel,
        minHealthyTime: minHealthyTime, healthyDeadline: healthyDeadline, progressDeadline: progressDeadline,
        autoRevert: autoRevert)
}

/// Drives one state machine with a mock clock and checks the contract on every call:
/// `persist` comes first exactly when the state changed and carries the new state, the hosts it
/// reports changed are exactly those that differ, and no more than `maxParallel` hosts are ever
/// in flight.
struct RolloutHarness {
    var machine: RollingRolloutStateMachine
    var now: Int64 = t0
    /// Every action returned so far but `persist`, in order.
    var log: [RolloutAction] = []
    /// The most hosts seen in flight at once.
    var peakInFlight = 0

    init(_ plan: RolloutPlan) {
        machine = RollingRolloutStateMachine(plan: plan)
    }

    init(restoring state: RolloutState, now: Int64) {
        machine = RollingRolloutStateMachine(restoring: state)
        self.now = now
    }

    var state: RolloutState { machine.state }

    @discardableResult
    mutating func send(_ input: RolloutInput) -> [RolloutAction] {
        let before = machine.state
        let actions = machine.handle(input, now: now)
        Self.checkContract(before: before, after: machine.state, actions: actions)
        // The hosts the machine says it changed (what the store rewrites) are exactly those that differ.
        let changed = machine.takeChangedHosts()
        let differing = machine.state.hosts.indices.filter { machine.state.hosts[$0] != before.hosts[$0] }
        #expect(changed == differing, "changed hosts \(changed) != differing \(differing) after \(input)")
        peakInFlight = max(peakInFlight, machine.state.inFlightCount)
        #expect(machine.state.inFlightCount <= machine.state.plan.maxParallel)
        // Persisted snapshots are checked above and left out: 1000-host states would pile up.
        log += actions.filter { if case .persist = $0 { false } else { true } }
        return actions
    }

    static func checkContract(before: RolloutState, after: RolloutState, actions: [RolloutAction]) {
        let persists = actions.enumerated().filter { if case .persist = $0.element { true } else { false } }
        if before == after {
            #expect(persists.isEmpty, "no change must not persist")
        } else {
            #expect(persists.count == 1 && persists.first?.offset == 0, "a change persists first, once")
            if case .persist(let persisted) = actions.first { #expect(persisted == after) }
        }
        let commands = actions.contains {
            switch $0 {
            case .swap, .revert, .finished: true
            default: false
            }
        }
        if commands { #expect(!persists.isEmpty, "commands only after a persist: \(actions)") }
    }

    @discardableResult
    mutating func host(_ name: String, _ event: HostEvent) -> [RolloutAction] {
        send(.host(name, event))
    }

    @discardableResult
    mutating func advance(by milliseconds: Int64) -> [RolloutAction] {
        now += milliseconds
        return send(.tick)
    }

    /// The current command id of `host`.
    func commandID(_ host: String) -> String {
        state.hosts.first { $0.name == host }?.commandID ?? "none"
    }

    func status(_ host: String) -> RolloutHost.Status? {
        state.hosts.first { $0.name == host }?.status
    }

    /// Reports every host with a command in flight as started and healthy now.
    mutating func allInFlightHealthy() {
        for host in state.hosts where host.status == .swapping || host.status == .reverting {
            self.host(host.name, .swapStarted(commandID: host.commandID ?? ""))
            self.host(host.name, .instanceHealthy(commandID: host.commandID ?? ""))
        }
    }

    /// Every host in flight turns healthy now, then min_healthy_time passes.
    mutating func completeWave() {
        allInFlightHealthy()
        advance(by: state.plan.minHealthyTime)
    }

    /// A fleet where every swap turns healthy at once: wave after wave until the rollout ends.
    mutating func runHealthyToEnd(limit: Int = 10_000) {
        var rounds = 0
        while machine.outcome == nil && rounds < limit {
            completeWave()
            rounds += 1
        }
    }

    /// The swap commands in the log, in order.
    var swaps: [(host: String, version: String, id: String)] {
        log.compactMap { if case .swap(let host, let version, let id) = $0 { (host, version, id) } else { nil } }
    }

    /// The revert commands in `actions`.
    static func reverts(_ actions: [RolloutAction]) -> [(host: String, version: String, id: String)] {
        actions.compactMap { if case .revert(let host, let version, let id) = $0 { (host, version, id) } else { nil } }
    }

    /// The notifications in `actions`.
    static func notifications(_ actions: [RolloutAction]) -> [RolloutNotification] {
        actions.compactMap { if case .notify(let note) = $0 { note } else { nil } }
    }

    /// The `finished` outcome in `actions`, if any.
    static func finished(_ actions: [RolloutAction]) -> RolloutOutcome? {
        actions.lazy.compactMap { if case .finished(let outcome) = $0 { outcome } else { nil } }.first
    }

    /// The rollback report carried by the latest `rollbackStarted` notification.
    var startedRollback: RollbackReport? {
        Self.notifications(log).compactMap { if case .rollbackStarted(let report) = $0 { report } else { nil } }.last
    }
}
