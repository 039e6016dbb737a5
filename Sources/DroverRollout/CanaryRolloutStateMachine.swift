/// The canary strategy as a pure state machine: inputs in, actions out, no I/O, no clock.
///
/// Step by step, the step's hosts (a prefix of the plan's) get the new version beside stable
/// with a canary swap, `max_parallel` at a time, at the step's weight; hosts canaried in an
/// earlier step get a weight change. Once the weight is in effect on every step host, an
/// analysis window starts: ``CanaryAnalysis`` judges the window every `analysis.interval` and
/// at the end of the pause. A failure rolls back at once (``CanaryRolloutStateMachine+Rollback``);
/// an inconclusive end pauses for the operator and never promotes; a pass goes on. After the
/// last step every host is promoted (or the machine waits for a promote).
///
/// Blue-green runs on the same machinery with a two-step plan (see ``TrafficRolloutPlan`` and
/// ``BlueGreenRolloutStateMachine``). As with ``RollingRolloutStateMachine``, time is passed in
/// as `now` (wall-clock milliseconds) and the state is plain `Codable` data: every change comes
/// out as ``TrafficRolloutAction/persist(_:)`` first, and ``init(restoring:)`` plus
/// ``redeliveries()`` continue after a restart.
public struct CanaryRolloutStateMachine: Sendable {
    /// The whole persisted state.
    public internal(set) var state: TrafficRolloutState
    /// Host name → position in `state.hosts`; derived.
    let index: [String: Int]

    /// A new rollout for `plan`, waiting for ``RolloutInput/start``.
    public init(plan: TrafficRolloutPlan) {
        self.init(restoring: TrafficRolloutState(plan: plan))
    }

    /// A rollout continuing from persisted state; send ``redeliveries()`` next.
    public init(restoring state: TrafficRolloutState) {
        self.state = state
        self.index = Dictionary(state.hosts.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The outcome once the rollout is over.
    public var outcome: RolloutOutcome? {
        if case .finished(let outcome) = state.phase { return outcome }
        return nil
    }

    /// Feeds one input at wall-clock `now` (milliseconds); returns what to do, `persist` first
    /// when anything but the latest traffic counters changed. Stale and duplicate inputs change nothing.
    public mutating func handle(_ input: RolloutInput, now: Int64) -> [TrafficRolloutAction] {
        let before = state
        var effects: [TrafficRolloutAction] = []
        switch input {
        case .start:
            guard state.phase == .notStarted else { break }
            state.phase = .running
            state.startedAt = now
            state.lastProgressAt = now
            effects.append(.notify(.rollout(.started(hosts: state.hosts.count, maxParallel: state.plan.maxParallel))))
            enterStep(0, now: now, effects: &effects)
            advance(now: now, effects: &effects)
        case .host(let name, let event):
            guard let position = index[name] else { break }
            hostEvent(event, at: position, now: now, effects: &effects)
        case .traffic(let name, let sample):
            // Only walking the steps needs traffic; promotion and rollback would persist it for nothing.
            guard index[name] != nil, isForward else { break }
            state.latest[name] = sample
            if state.windowStartedAt != nil {
                if state.baseline[name] == nil { state.baseline[name] = sample }
                if state.intervalBaseline[name] == nil { state.intervalBaseline[name] = sample }
            }
            advance(now: now, effects: &effects)
        case .tick:
            advance(now: now, effects: &effects)
        case .pause, .resume, .abort, .rollback, .promote, .setCanaryWeight:
            command(input, now: now, effects: &effects)
        }
        // The latest counters alone are not worth a write: they come with every host report,
        // and after a restart the next reports bring them back (baselines are persisted when
        // taken). Any other change is persisted, with the latest counters as they are.
        var unchangedLatest = state
        unchangedLatest.latest = before.latest
        return unchangedLatest == before ? effects : [.persist(state)] + effects
    }

    /// The commands in flight, with their original ids, to send again after a restart.
    public func redeliveries() -> [TrafficRolloutAction] {
        let plan = state.plan
        return state.hosts.filter { !$0.lost && $0.retryAt == nil }.compactMap { host in
            guard let id = host.commandID else { return nil }
            switch host.status {
            case .swapping:
                return .canarySwap(host: host.name, to: plan.toVersion, weightBP: host.weightBP, commandID: id)
            case .weighting:
                return .setWeights(
                    host: host.name, canaryVersion: plan.toVersion, weightBP: host.weightBP, commandID: id)
            case .promoting: return .promote(host: host.name, to: plan.toVersion, commandID: id)
            case .reverting:
                return host.revertBySwap
                    ? .revert(host: host.name, to: plan.fromVersion, commandID: id)
                    : .revertCanary(host: host.name, to: plan.fromVersion, commandID: id)
            case .pending, .live, .promoted, .reverted, .stuck: return nil
            }
        }
    }

    /// Whether the machine walks the steps or waits with the canary in place.
    var isForward: Bool {
        switch state.phase {
        case .running, .paused, .holding, .awaitingPromote: true
        case .notStarted, .promoting, .rollingBack, .finished: false
        }
    }

    // MARK: - Steps

    /// Begins step `stepIndex`: its weight becomes the target; hosts are dispatched by ``advance(now:effects:)``.
    mutating func enterStep(_ stepIndex: Int, now: Int64, effects: inout [TrafficRolloutAction]) {
        let step = state.plan.steps[stepIndex]
        state.stepIndex = stepIndex
        state.targetWeightBP = step.weightBP
        state.stepPauseOver = false
        resetWindow()
        let hosts = Array(state.plan.hosts.prefix(step.hostCount))
        state.steps.append(
            TrafficStepRecord(index: stepIndex, weightBP: step.weightBP, hosts: hosts, manual: false, startedAt: now))
        state.lastProgressAt = max(state.lastProgressAt, now)
        effects.append(.notify(.stepStarted(index: stepIndex, weightBP: step.weightBP, hosts: hosts)))
        if state.plan.mode == .blueGreen, stepIndex == 1 { effects.append(.notify(.switched)) }
    }

    mutating func resetWindow() {
        state.windowStartedAt = nil
        state.nextAnalysisAt = nil
        state.baseline = [:]
        state.intervalBaseline = [:]
    }

    /// The step after the current one, or promotion after the last.
    mutating func nextStep(now: Int64, effects: inout [TrafficRolloutAction]) {
        if state.stepIndex + 1 < state.plan.steps.count {
            state.phase = .running
            enterStep(state.stepIndex + 1, now: now, effects: &effects)
            advance(now: now, effects: &effects)
        } else if state.plan.autoPromote {
            beginPromotion(now: now, effects: &effects)
        } else {
            state.phase = .awaitingPromote
            effects.append(
                .notify(
                    .paused(reason: "every step passed; waiting for a promote (update.canary.auto_promote is false)")))
        }
    }

    /// Positions of the current step's hosts.
    var stepPositions: Range<Int> {
        0..<min(state.plan.steps[state.stepIndex].hostCount, state.hosts.count)
    }

    /// Applies what time and answers make happen by `now`, then sends the commands that may go.
    mutating func advance(now: Int64, effects: inout [TrafficRolloutAction]) {
        switch state.phase {
        case .running, .paused, .holding, .awaitingPromote:
            advanceForward(now: now, effects: &effects)
        case .promoting:
            advancePromotion(now: now, effects: &effects)
        case .rollingBack:
            advanceRollback(now: now, effects: &effects)
        case .notStarted, .finished:
            break
        }
    }

    private mutating func advanceForward(now: Int64, effects: inout [TrafficRolloutAction]) {
        if let signal = dueDeadline(now: now) {
            fail(signal, now: now, effects: &effects)
            return
        }
        let plan = state.plan
        let dispatching: Bool
        switch state.phase {
        case .running, .holding: dispatching = true
        default: dispatching = false
        }
        if dispatching {
            // Hosts already carrying the canary follow the target weight at once.
            for position in state.hosts.indices
            where state.hosts[position].status == .live
                && state.hosts[position].weightBP != state.targetWeightBP && !state.hosts[position].lost
            {
                let id = issue(at: position, status: .weighting, now: now)
                state.hosts[position].weightBP = state.targetWeightBP
                effects.append(
                    .setWeights(
                        host: state.hosts[position].name, canaryVersion: plan.toVersion, weightBP: state.targetWeightBP,
                        commandID: id))
            }
            var free = plan.maxParallel - state.hosts.count(where: { $0.status == .swapping })
            for position in stepPositions where free > 0 {
                guard state.hosts[position].status == .pending, !state.hosts[position].lost else { continue }
                let id = issue(at: position, status: .swapping, now: now)
                state.hosts[position].weightBP = state.targetWeightBP
                effects.append(
                    .canarySwap(
                        host: state.hosts[position].name, to: plan.toVersion, weightBP: state.targetWeightBP,
                        commandID: id))
                free -= 1
            }
        }
        // The window starts once the weight is in effect on every step host.
        if state.windowStartedAt == nil,
            stepPositions.allSatisfy({
                state.hosts[$0].status == .live && state.hosts[$0].weightBP == state.targetWeightBP
            })
        {
            state.windowStartedAt = now
            state.nextAnalysisAt = now + plan.analysis.interval.milliseconds
            state.baseline = state.latest
            state.intervalBaseline = state.latest
            if !state.steps.isEmpty { state.steps[state.steps.count - 1].windowStartedAt = now }
            effects.append(.notify(.windowStarted(index: state.stepIndex)))
            if state.phase == .running, plan.steps[state.stepIndex].pause == nil {
                state.stepPauseOver = true
                let text =
                    "step \(state.stepIndex + 1) pause: manual; resume to go on, or promote, set a weight or abort"
                state.phase = .paused(reason: text)
                effects.append(.notify(.paused(reason: text)))
            }
        }
        judgeIfDue(now: now, effects: &effects)
    }

    /// Gives a host its next command; returns the command's id.
    mutating func issue(at position: Int, status: TrafficHost.Status, now: Int64) -> String {
        state.hosts[position].attempt += 1
        let id = state.plan.commandID(host: state.hosts[position].name, attempt: state.hosts[position].attempt)
        state.hosts[position].commandID = id
        state.hosts[position].status = status
        state.hosts[position].dispatchedAt = now
        state.hosts[position].touched = true
        return id
    }

    /// The earliest deadline passed by `now`: a host's `healthy_deadline`, or `progress_deadline`
    /// while commands are outstanding.
    func dueDeadline(now: Int64) -> FailureSignal? {
        let plan = state.plan
        var earliest: (at: Int64, signal: FailureSignal)?
        for host in state.hosts where host.status == .swapping || host.status == .promoting {
            guard let sent = host.dispatchedAt, sent + plan.healthyDeadline <= now else { continue }
            if earliest.map({ sent + plan.healthyDeadline < $0.at }) ?? true {
                earliest = (
                    sent + plan.healthyDeadline,
                    FailureSignal(
                        host: host.name, signal: .healthyDeadline,
                        observed:
                            "not healthy \(SpecDuration(milliseconds: now - sent)) after the \(host.status == .swapping ? "canary swap" : "promote") command",
                        threshold: "update.healthy_deadline \(SpecDuration(milliseconds: plan.healthyDeadline))")
                )
            }
        }
        let outstanding = hasOutstandingWork
        let due = state.lastProgressAt + plan.progressDeadline
        if outstanding, due <= now, earliest.map({ due < $0.at }) ?? true {
            earliest = (
                due,
                FailureSignal(
                    host: nil, signal: .progressDeadline,
                    observed:
                        "no host finished a command for \(SpecDuration(milliseconds: now - state.lastProgressAt))",
                    threshold: "update.progress_deadline \(SpecDuration(milliseconds: plan.progressDeadline))")
            )
        }
        return earliest?.signal
    }

    /// Whether the rollout waits on hosts: commands in flight, or lost hosts the current step
    /// or the promotion needs (the progress deadline runs only then, not during a pause's wait).
    var hasOutstandingWork: Bool {
        state.hosts.contains {
            $0.status == .swapping || $0.status == .weighting || $0.status == .promoting
                || ($0.lost && ($0.status == .pending || $0.status == .live) && isWaitedFor($0.name))
        }
    }

    /// Whether the current step (or promotion) needs `host`.
    private func isWaitedFor(_ host: String) -> Bool {
        guard let position = index[host] else { return false }
        return state.phase == .promoting || (state.phase == .running && stepPositions.contains(position))
    }
}

/// A failure signal before it becomes a rollback report.
extension FailureSignal {
    /// A failed analysis as a signal.
    init(_ failure: AnalysisFailure) {
        self.init(
            host: failure.hosts.first, signal: .analysis, observed: failure.observed, threshold: failure.threshold)
    }
}
