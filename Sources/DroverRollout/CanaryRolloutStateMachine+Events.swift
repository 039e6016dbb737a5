/// Agent answers and operator commands.
extension CanaryRolloutStateMachine {
    mutating func hostEvent(_ event: HostEvent, at position: Int, now: Int64, effects: inout [TrafficRolloutAction]) {
        switch state.phase {
        case .running, .paused, .holding, .awaitingPromote, .promoting:
            forwardHostEvent(event, at: position, now: now, effects: &effects)
        case .rollingBack:
            rollbackHostEvent(event, at: position, now: now, effects: &effects)
        case .notStarted:
            trackLiveness(event, at: position, effects: &effects)
        case .finished:
            break
        }
    }

    /// Marks a host lost or back; `true` when that changed anything.
    @discardableResult
    mutating func trackLiveness(_ event: HostEvent, at position: Int, effects: inout [TrafficRolloutAction]) -> Bool {
        let name = state.hosts[position].name
        switch event {
        case .hostLost where !state.hosts[position].lost:
            state.hosts[position].lost = true
            effects.append(.notify(.rollout(.hostLost(name))))
            return true
        case .hostBack where state.hosts[position].lost:
            state.hosts[position].lost = false
            effects.append(.notify(.rollout(.hostBack(name))))
            return true
        default:
            return false
        }
    }

    /// Whether `id` is a command this rollout gave `host` (a live canary's health reports carry
    /// its swap's id even after weight changes).
    private func isOwnCommand(_ id: String, host: TrafficHost) -> Bool {
        id.hasPrefix("\(state.plan.rolloutID)/\(host.name)/")
    }

    private mutating func forwardHostEvent(
        _ event: HostEvent, at position: Int, now: Int64, effects: inout [TrafficRolloutAction]
    ) {
        let host = state.hosts[position]
        let inFlight = host.status == .swapping || host.status == .weighting || host.status == .promoting
        let what: String =
            switch host.status {
            case .swapping: "canary swap to \(state.plan.toVersion)"
            case .weighting: "weight change to \(BasisPoints.text(host.weightBP))"
            default: "promote to \(state.plan.toVersion)"
            }
        switch event {
        case .instanceHealthy(let id) where id == host.commandID && inFlight:
            if host.status == .promoting {
                state.hosts[position].status = .promoted
                effects.append(.notify(.hostPromoted(host.name)))
            } else {
                state.hosts[position].status = .live
            }
            state.lastProgressAt = max(state.lastProgressAt, now)
        case .instanceUnhealthy(let id, let observed, let threshold)
        where (id == host.commandID && (inFlight || host.status == .promoted))
            || ((host.status == .live || host.status == .weighting) && isOwnCommand(id, host: host)):
            // A canary failing later (its report carries its swap's id) condemns the new version too.
            fail(
                FailureSignal(host: host.name, signal: .unhealthy, observed: observed, threshold: threshold), now: now,
                effects: &effects)
            return
        case .swapFailed(let id, let reason) where id == host.commandID && inFlight:
            fail(
                FailureSignal(
                    host: host.name, signal: .swapFailed, observed: reason, threshold: "the \(what) must succeed"),
                now: now, effects: &effects)
            return
        case .hostLost, .hostBack:
            guard trackLiveness(event, at: position, effects: &effects) else { return }
            if case .hostLost = event, inFlight {
                let signal = FailureSignal(
                    host: host.name, signal: .hostLost, observed: "host stopped reporting during the \(what)",
                    threshold: "a host must stay connected until its command is done")
                fail(signal, now: now, effects: &effects)
                return
            }
        default:
            return  // stale id, duplicate, or a start acknowledgement (nothing to track)
        }
        advance(now: now, effects: &effects)
    }

    // MARK: - Operator commands

    mutating func command(_ input: RolloutInput, now: Int64, effects: inout [TrafficRolloutAction]) {
        let name = Self.name(of: input)
        func reject(_ reason: String) {
            effects.append(.notify(.rollout(.rejected(command: name, reason: reason))))
        }
        let plan = state.plan
        switch (input, state.phase) {
        case (.abort, .notStarted):
            state.phase = .finished(.aborted)
            effects.append(.finished(.aborted))
        case (_, .finished):
            reject("the rollout has finished")
        case (_, .rollingBack):
            reject("a rollback is in progress; it is bounded by its deadline and cannot be stopped")
        case (_, .notStarted):
            reject("the rollout has not started")
        case (.abort, _):
            let what = plan.mode == .canary ? "the canary" : "the blue-green rollout"
            beginRollback(
                FailureSignal(
                    host: nil, signal: .operatorAbort, observed: "operator abort of \(what) of \(plan.toVersion)",
                    threshold: "none (manual)"), now: now, effects: &effects)
        case (.rollback(let version), _):
            guard version == nil || version == plan.fromVersion else {
                reject(
                    "a \(plan.mode.rawValue) rollout rolls back to its stable version \(plan.fromVersion), not \(version ?? "")"
                )
                break
            }
            beginRollback(
                FailureSignal(
                    host: nil, signal: .manual, observed: "operator asked to roll back to \(plan.fromVersion)",
                    threshold: "none (manual)"), now: now, effects: &effects)
        case (.pause, .running), (.pause, .holding):
            state.phase = .paused(reason: "paused by an operator")
            effects.append(.notify(.rollout(.paused)))
        case (.pause, .paused), (.pause, .awaitingPromote), (.resume, .running), (.promote, .promoting):
            break  // already so
        case (.pause, .promoting), (.resume, .promoting), (.setCanaryWeight, .promoting):
            reject("promotion is in progress")
        case (.resume, .paused), (.resume, .holding):
            let moveOn = state.stepPauseOver || state.phase != .paused(reason: "paused by an operator")
            state.phase = .running
            state.lastProgressAt = max(state.lastProgressAt, now)
            effects.append(.notify(.rollout(.resumed)))
            if moveOn { stepPassed(now: now, effects: &effects) }
            advance(now: now, effects: &effects)
        case (.resume, .awaitingPromote):
            reject("every step is done; promote or abort")
        case (.promote, _):
            if plan.mode == .blueGreen, state.stepIndex == 0 {
                guard state.hosts.allSatisfy({ $0.status == .live }) else {
                    reject("the new set is not up on every host yet; the switch moves all traffic at once")
                    break
                }
                state.phase = .running
                enterStep(1, now: now, effects: &effects)
                advance(now: now, effects: &effects)
            } else {
                beginPromotion(now: now, effects: &effects)
            }
        case (.setCanaryWeight(let weight), _):
            guard plan.mode == .canary else {
                reject("a blue-green rollout switches all traffic at once; use promote")
                break
            }
            guard (0...10_000).contains(weight) else {
                reject("the weight must be from 0 to 10000 basis points (0–100 %), got \(weight)")
                break
            }
            state.phase = .holding(weightBP: weight)
            state.targetWeightBP = weight
            state.stepPauseOver = false
            resetWindow()
            let hosts = state.hosts.filter { $0.status != .pending }.map(\.name)
            state.steps.append(
                TrafficStepRecord(index: state.stepIndex, weightBP: weight, hosts: hosts, manual: true, startedAt: now))
            state.lastProgressAt = max(state.lastProgressAt, now)
            effects.append(.notify(.weightHeld(weightBP: weight)))
            advance(now: now, effects: &effects)
        case (.start, _), (.host, _), (.tick, _), (.traffic, _):
            break  // not commands
        }
    }

    static func name(of input: RolloutInput) -> String {
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
}
