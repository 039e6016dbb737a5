/// The rolling-update strategy as a pure state machine: inputs in, actions out, no I/O, no clock.
///
/// Hosts are swapped in plan order with at most `maxParallel` in flight; a slot frees as soon as
/// a host's new instance has been healthy for `min_healthy_time` (Nomad's `max_parallel`).
/// Failure signals — an unhealthy or failed swap, a missed `healthy_deadline` or
/// `progress_deadline`, a host lost mid-swap — roll back automatically when `auto_revert` is on
/// (see `RollingRolloutStateMachine+Rollback.swift`). A host lost before its turn is passed
/// over and waited for: if it is not back within `progress_deadline`, the rollout fails, as a
/// fleet left half on each version is a stuck deployment.
///
/// Time is wall-clock milliseconds passed in as `now`, so the whole state is plain `Codable`
/// data: every change comes out as ``RolloutAction/persist(_:)`` before the actions it causes,
/// and ``init(restoring:)`` plus ``redeliveries()`` continue a persisted rollout after a restart.
/// Deadlines are judged at the instants they fall due, not when a tick happens to notice them,
/// so how often `tick` runs never changes the outcome.
public struct RollingRolloutStateMachine: Sendable {
    /// How many times one host's revert is tried within a rollback before the host is stuck.
    public static let maxRevertAttempts = 6

    /// The whole persisted state.
    public internal(set) var state: RolloutState
    /// Host name → position in `state.hosts`; derived, so not persisted.
    let index: [String: Int]
    /// Hosts by status; derived, so not persisted.
    private(set) var tally: HostTally
    /// Positions of hosts changed since ``takeChangedHosts()`` (for a store that writes only those).
    private var changedHosts: Set<Int> = []
    /// Whether a host changed during the current ``handle(_:now:)``.
    private var hostsChanged = false

    /// A new rollout for `plan`, waiting for ``RolloutInput/start``.
    public init(plan: RolloutPlan) {
        self.init(restoring: RolloutState(plan: plan))
    }

    /// A rollout continuing from persisted state (after a controller restart). Send
    /// ``redeliveries()`` next: commands in flight may never have reached their agents.
    public init(restoring state: RolloutState) {
        self.state = state
        self.index = Dictionary(state.hosts.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.tally = HostTally(state.hosts)
        tally.skipStarted(state.hosts)
    }

    /// The positions (in `state.hosts`) of the hosts changed since the last call: what a
    /// persisted ``RolloutAction/persist(_:)`` changed host by host.
    public mutating func takeChangedHosts() -> [Int] {
        defer { changedHosts.removeAll(keepingCapacity: true) }
        return changedHosts.sorted()
    }

    /// Feeds one input at wall-clock `now` (milliseconds); returns what to do, `persist` first
    /// when anything changed. Duplicate and stale inputs change nothing and return no actions.
    public mutating func handle(_ input: RolloutInput, now: Int64) -> [RolloutAction] {
        // Changes are tracked rather than found by comparing a copy of the whole state: hosts
        // change only through `update`/`setStatus`, the rest is compared field by field.
        let phase = state.phase
        let startedAt = state.startedAt
        let lastProgressAt = state.lastProgressAt
        let rollback = state.rollback
        hostsChanged = false
        var effects: [RolloutAction] = []
        switch input {
        case .start:
            guard state.phase == .notStarted else { break }
            state.phase = .running
            state.startedAt = now
            state.lastProgressAt = now
            effects.append(.notify(.started(hosts: state.hosts.count, maxParallel: state.plan.maxParallel)))
            advance(now: now, effects: &effects)
        case .host(let name, let event):
            guard let position = index[name] else { break }
            hostEvent(event, at: position, now: now, effects: &effects)
        case .tick:
            advance(now: now, effects: &effects)
        case .pause, .resume, .abort, .rollback:
            command(input, now: now, effects: &effects)
        case .promote, .setCanaryWeight:
            effects.append(
                .notify(.rejected(command: Self.name(of: input), reason: "only canary and blue-green rollouts take it"))
            )
        case .traffic:
            break  // a rolling update is judged by health checks only
        }
        let changed =
            hostsChanged || state.phase != phase || state.startedAt != startedAt
            || state.lastProgressAt != lastProgressAt || state.rollback != rollback
        return changed ? [.persist(state)] + effects : effects
    }

    /// Changes one host in place and records that it changed.
    mutating func update(_ position: Int, _ change: (inout RolloutHost) -> Void) {
        change(&state.hosts[position])
        changedHosts.insert(position)
        hostsChanged = true
    }

    /// Moves one host to `status`, keeping the tally.
    mutating func setStatus(_ position: Int, _ status: RolloutHost.Status) {
        let old = state.hosts[position].status
        guard old != status else { return }
        update(position) { $0.status = status }
        tally.move(position, from: old, to: status)
        if old == .pending { tally.skipStarted(state.hosts) }
    }

    /// Convenience for ``handle(_:now:)`` with ``RolloutInput/start``.
    public mutating func start(now: Int64) -> [RolloutAction] {
        handle(.start, now: now)
    }

    /// Convenience for ``handle(_:now:)`` with ``RolloutInput/tick``.
    public mutating func tick(now: Int64) -> [RolloutAction] {
        handle(.tick, now: now)
    }

    /// The commands still in flight, with their original ids, to send again after a restart
    /// (agents treat a repeated id as a no-op and report the command's current state).
    public func redeliveries() -> [RolloutAction] {
        switch state.phase {
        case .running, .paused:
            state.hosts.filter { $0.status == .swapping && !$0.lost }.compactMap { host in
                host.commandID.map { .swap(host: host.name, to: host.version, commandID: $0) }
            }
        case .rollingBack:
            state.hosts.filter { $0.status == .reverting && !$0.lost && $0.retryAt == nil }.compactMap { host in
                host.commandID.map { .revert(host: host.name, to: host.version, commandID: $0) }
            }
        case .notStarted, .finished:
            []
        }
    }

    /// The outcome once the rollout is over.
    public var outcome: RolloutOutcome? {
        if case .finished(let outcome) = state.phase { return outcome }
        return nil
    }

    // MARK: - Operator commands

    private mutating func command(_ input: RolloutInput, now: Int64, effects: inout [RolloutAction]) {
        func reject(_ name: String, _ reason: String) {
            effects.append(.notify(.rejected(command: name, reason: reason)))
        }
        switch (input, state.phase) {
        case (.pause, .running):
            state.phase = .paused
            effects.append(.notify(.paused))
        case (.pause, .paused), (.resume, .running):
            break  // already so: a repeated command is a no-op
        case (.resume, .paused):
            state.phase = .running
            // Time spent paused is the operator's choice, not a lack of progress.
            state.lastProgressAt = max(state.lastProgressAt, now)
            effects.append(.notify(.resumed))
            advance(now: now, effects: &effects)
        case (.abort, .running), (.abort, .paused), (.abort, .notStarted):
            state.phase = .finished(.aborted)
            effects.append(.finished(.aborted))
        case (.rollback, .notStarted):
            reject("rollback", "the rollout has not started; nothing to roll back")
        case (.rollback, .rollingBack):
            reject("rollback", "already rolling back to \(state.rollback?.targetVersion ?? state.plan.fromVersion)")
        case (.rollback(let version), _):
            let target = version ?? state.plan.fromVersion
            guard !positionsToRevert(to: target).isEmpty else {
                reject("rollback", "nothing to roll back: every host already runs \(target)")
                break
            }
            let signal = FailureSignal(
                host: nil, signal: .manual, observed: "operator asked to roll back to \(target)",
                threshold: "none (manual)")
            beginRollback(signal, to: target, now: now, effects: &effects)
        case (_, .rollingBack):
            reject(
                Self.name(of: input), "a rollback is in progress; it is bounded by its deadline and cannot be stopped")
        case (_, .finished):
            reject(Self.name(of: input), "the rollout has finished")
        case (_, .notStarted), (_, .running), (_, .paused):
            reject(Self.name(of: input), "the rollout has not started")
        }
    }

    private static func name(of input: RolloutInput) -> String {
        switch input {
        case .start: "start"
        case .host: "host"
        case .tick: "tick"
        case .pause: "pause"
        case .resume: "resume"
        case .abort: "abort"
        case .rollback: "rollback"
        case .promote: "promote"
        case .setCanaryWeight: "set-canary-weight"
        case .traffic: "traffic"
        }
    }

    // MARK: - Host events

    private mutating func hostEvent(_ event: HostEvent, at position: Int, now: Int64, effects: inout [RolloutAction]) {
        switch state.phase {
        case .running, .paused:
            forwardHostEvent(event, at: position, now: now, effects: &effects)
        case .rollingBack:
            rollbackHostEvent(event, at: position, now: now, effects: &effects)
        case .notStarted:
            // Liveness before the start matters: lost hosts are not given commands.
            trackLiveness(event, at: position, effects: &effects)
        case .finished:
            break
        }
    }

    /// Marks a host lost or back; `true` when that changed anything.
    @discardableResult
    mutating func trackLiveness(_ event: HostEvent, at position: Int, effects: inout [RolloutAction]) -> Bool {
        let name = state.hosts[position].name
        switch event {
        case .hostLost where !state.hosts[position].lost:
            update(position) { $0.lost = true }
            effects.append(.notify(.hostLost(name)))
            return true
        case .hostBack where state.hosts[position].lost:
            update(position) { $0.lost = false }
            effects.append(.notify(.hostBack(name)))
            return true
        default:
            return false
        }
    }

    private mutating func forwardHostEvent(
        _ event: HostEvent, at position: Int, now: Int64, effects: inout [RolloutAction]
    ) {
        let host = state.hosts[position]
        let inFlight = host.status == .swapping || host.status == .stabilizing
        switch event {
        case .instanceHealthy(let id) where id == host.commandID && host.status == .swapping:
            setStatus(position, .stabilizing)
            update(position) { $0.healthySince = now }
        case .instanceUnhealthy(let id, let observed, let threshold)
        where id == host.commandID && (inFlight || host.status == .updated):
            // An updated host failing while the rollout goes on also condemns the new version.
            fail(
                FailureSignal(host: host.name, signal: .unhealthy, observed: observed, threshold: threshold), now: now,
                effects: &effects)
            return
        case .swapFailed(let id, let reason) where id == host.commandID && inFlight:
            let signal = FailureSignal(
                host: host.name, signal: .swapFailed, observed: reason,
                threshold: "the swap to \(host.version) must succeed")
            fail(signal, now: now, effects: &effects)
            return
        case .hostLost, .hostBack:
            guard trackLiveness(event, at: position, effects: &effects) else { return }
            if case .hostLost = event, inFlight {
                let signal = FailureSignal(
                    host: host.name, signal: .hostLost,
                    observed: "host stopped reporting while swapping to \(host.version)",
                    threshold: "a host must stay connected until its swap is done")
                fail(signal, now: now, effects: &effects)
                return
            }
        default:
            return  // stale command id, duplicate, or not meaningful in this status
        }
        advance(now: now, effects: &effects)
    }

    // MARK: - Progress

    /// Applies everything that time makes happen by `now`, then starts hosts if slots are free.
    mutating func advance(now: Int64, effects: inout [RolloutAction]) {
        switch state.phase {
        case .running, .paused:
            advanceForward(now: now, effects: &effects)
        case .rollingBack:
            advanceRollback(now: now, effects: &effects)
        case .notStarted, .finished:
            break
        }
    }

    private mutating func advanceForward(now: Int64, effects: inout [RolloutAction]) {
        let plan = state.plan
        let running = state.phase == .running
        // 1. Hosts whose min_healthy_time ended in time, in the order they ended.
        let due = tally.hosts(in: .stabilizing).compactMap { position -> (Int64, Int)? in
            guard let since = state.hosts[position].healthySince, let sent = state.hosts[position].dispatchedAt else {
                return nil
            }
            let doneAt = since + plan.minHealthyTime
            return doneAt <= now && doneAt <= sent + plan.healthyDeadline ? (doneAt, position) : nil
        }.sorted { $0 < $1 }
        for (doneAt, position) in due {
            // A host finishing after the progress deadline passed does not rescue the rollout.
            if running && doneAt > state.lastProgressAt + plan.progressDeadline { break }
            setStatus(position, .updated)
            state.lastProgressAt = max(state.lastProgressAt, doneAt)
            effects.append(.notify(.hostUpdated(state.hosts[position].name)))
        }
        // 2. Deadlines: the earliest one that passed wins (a host's deadline on a tie).
        var earliest: (at: Int64, signal: FailureSignal)?
        for position in tally.inFlight.sorted() {
            guard let sent = state.hosts[position].dispatchedAt, sent + plan.healthyDeadline <= now else { continue }
            let deadline = sent + plan.healthyDeadline
            if earliest.map({ deadline < $0.at }) ?? true {
                let host = state.hosts[position]
                let seen = host.healthySince.map { "healthy for only \(SpecDuration(milliseconds: now - $0))" }
                let signal = FailureSignal(
                    host: host.name, signal: .healthyDeadline,
                    observed:
                        "\(seen ?? "never healthy") \(SpecDuration(milliseconds: now - sent)) after the swap command",
                    threshold:
                        "update.healthy_deadline \(SpecDuration(milliseconds: plan.healthyDeadline)) with update.min_healthy_time \(SpecDuration(milliseconds: plan.minHealthyTime))"
                )
                earliest = (deadline, signal)
            }
        }
        // Lost hosts still count: a rollout waits for them until progress_deadline.
        let remaining = tally.count(.updated) < state.hosts.count
        let progressDue = state.lastProgressAt + plan.progressDeadline
        if running, remaining, progressDue <= now, earliest.map({ progressDue < $0.at }) ?? true {
            let signal = FailureSignal(
                host: nil, signal: .progressDeadline,
                observed: "no host finished for \(SpecDuration(milliseconds: now - state.lastProgressAt))",
                threshold: "update.progress_deadline \(SpecDuration(milliseconds: plan.progressDeadline))")
            earliest = (progressDue, signal)
        }
        if let earliest {
            fail(earliest.signal, now: now, effects: &effects)
            return
        }
        // 3. Done when every host is updated.
        if !remaining {
            state.phase = .finished(.succeeded)
            effects.append(.finished(.succeeded))
            return
        }
        // 4. Fill the free slots in plan order.
        guard running else { return }
        var free = plan.maxParallel - tally.inFlight.count
        for position in tally.firstMaybePending..<state.hosts.count where free > 0 {
            guard state.hosts[position].status == .pending, !state.hosts[position].lost else { continue }
            let id = issueCommand(at: position, status: .swapping, version: plan.toVersion, now: now)
            effects.append(.swap(host: state.hosts[position].name, to: plan.toVersion, commandID: id))
            free -= 1
        }
    }

    /// Gives a host its next command; returns the command's id.
    mutating func issueCommand(at position: Int, status: RolloutHost.Status, version: String, now: Int64) -> String {
        let id = state.plan.commandID(host: state.hosts[position].name, attempt: state.hosts[position].attempt + 1)
        setStatus(position, status)
        update(position) { host in
            host.attempt += 1
            host.commandID = id
            host.version = version
            host.dispatchedAt = now
            host.healthySince = nil
            host.touched = true
        }
        return id
    }
}

/// A failure signal before it becomes a rollback report.
struct FailureSignal: Sendable {
    var host: String?
    var signal: RollbackReport.Signal
    var observed: String
    var threshold: String
}
