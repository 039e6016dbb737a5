/// Promotion, and the rollback: every touched host back to stable at once, within the plan's
/// hard deadline (5 minutes).
extension CanaryRolloutStateMachine {
    // MARK: - Promotion

    /// Skips any remaining steps and makes the new version the only one everywhere.
    mutating func beginPromotion(now: Int64, effects: inout [TrafficRolloutAction]) {
        state.phase = .promoting
        state.stepPauseOver = false
        resetWindow()
        state.lastProgressAt = max(state.lastProgressAt, now)
        effects.append(.notify(.promoting))
        advancePromotion(now: now, effects: &effects)
    }

    /// Promotes `max_parallel` hosts at a time (blue-green retires the old set everywhere at
    /// once: it carries no traffic); succeeds when every host is promoted.
    mutating func advancePromotion(now: Int64, effects: inout [TrafficRolloutAction]) {
        if let signal = dueDeadline(now: now) {
            fail(signal, now: now, effects: &effects)
            return
        }
        if state.hosts.allSatisfy({ $0.status == .promoted }) {
            state.phase = .finished(.succeeded)
            effects.append(.finished(.succeeded))
            return
        }
        let limit = state.plan.mode == .blueGreen ? state.hosts.count : state.plan.maxParallel
        var free = limit - state.hosts.count(where: { $0.status == .promoting || $0.status == .swapping })
        for position in state.hosts.indices where free > 0 {
            let host = state.hosts[position]
            guard host.status == .pending || host.status == .live, !host.lost else { continue }
            let id = issue(at: position, status: .promoting, now: now)
            state.hosts[position].revertBySwap = true
            state.hosts[position].weightBP = 10_000
            effects.append(.promote(host: host.name, to: state.plan.toVersion, commandID: id))
            free -= 1
        }
    }

    // MARK: - Rollback

    /// A failure always rolls back: the canary exists to be removed when it misbehaves.
    mutating func fail(_ signal: FailureSignal, now: Int64, effects: inout [TrafficRolloutAction]) {
        beginRollback(signal, now: now, effects: &effects)
    }

    /// Sends every touched host back to stable in parallel: `revertCanary` where the canary
    /// runs beside stable (after an instant `setWeights 0` where it had all traffic), a revert
    /// swap where a promote was sent. Untouched hosts are skipped, as are the remaining steps.
    mutating func beginRollback(_ signal: FailureSignal, now: Int64, effects: inout [TrafficRolloutAction]) {
        let plan = state.plan
        let target = plan.fromVersion
        var commands: [TrafficRolloutAction] = []
        var reverted: [String] = []
        for position in state.hosts.indices {
            let host = state.hosts[position]
            guard host.touched, host.status != .reverted, host.status != .pending else { continue }
            let bySwap = host.revertBySwap || host.status == .promoting || host.status == .promoted
            if !bySwap, host.weightBP > 0, plan.mode == .blueGreen, !host.lost {
                // The switch back: all traffic to the old set now, before the new set is removed.
                let id = issue(at: position, status: .reverting, now: now)
                commands.append(.setWeights(host: host.name, canaryVersion: plan.toVersion, weightBP: 0, commandID: id))
            }
            let id = issue(at: position, status: .reverting, now: now)
            state.hosts[position].revertBySwap = bySwap
            state.hosts[position].weightBP = 0
            state.hosts[position].revertAttempts = 1
            state.hosts[position].retryAt = nil
            reverted.append(host.name)
            if !host.lost { commands.append(revertCommand(host: host.name, bySwap: bySwap, id: id)) }
        }
        let skipped = state.hosts.filter { !$0.touched }.map(\.name)
        let report = RollbackReport(
            host: signal.host, signal: signal.signal, observed: signal.observed, threshold: signal.threshold,
            action: RollingRolloutStateMachine.rollbackAction(
                reverted: reverted, stuck: [], skipped: skipped, target: target, finished: false)
                + (plan.mode == .canary ? "; remaining steps skipped" : ""),
            targetVersion: target, revertedHosts: reverted, skippedHosts: skipped, startedAt: now)
        state.rollback = report
        state.phase = .rollingBack
        resetWindow()
        effects.append(.notify(.rollout(.rollbackStarted(report))))
        effects.append(contentsOf: commands)
        advanceRollback(now: now, effects: &effects)
    }

    private func revertCommand(host: String, bySwap: Bool, id: String) -> TrafficRolloutAction {
        bySwap
            ? .revert(host: host, to: state.plan.fromVersion, commandID: id)
            : .revertCanary(host: host, to: state.plan.fromVersion, commandID: id)
    }

    mutating func rollbackHostEvent(
        _ event: HostEvent, at position: Int, now: Int64, effects: inout [TrafficRolloutAction]
    ) {
        let host = state.hosts[position]
        let reverting = host.status == .reverting
        switch event {
        case .instanceHealthy(let id) where id == host.commandID && reverting:
            state.hosts[position].status = .reverted
            effects.append(.notify(.rollout(.hostReverted(host.name))))
        case .instanceUnhealthy(let id, let observed, _) where id == host.commandID && reverting:
            retryRevert(at: position, reason: observed, now: now, effects: &effects)
        case .swapFailed(let id, let reason) where id == host.commandID && reverting:
            retryRevert(at: position, reason: reason, now: now, effects: &effects)
        case .hostLost:
            trackLiveness(event, at: position, effects: &effects)
        case .hostBack:
            guard trackLiveness(event, at: position, effects: &effects) else { return }
            if reverting, host.retryAt == nil, let id = host.commandID {
                effects.append(revertCommand(host: host.name, bySwap: host.revertBySwap, id: id))
            }
        default:
            return
        }
        advanceRollback(now: now, effects: &effects)
    }

    /// A failed revert is retried with a fresh command after the rolling machine's backoff, up
    /// to ``RollingRolloutStateMachine/maxRevertAttempts`` and never past the hard deadline.
    private mutating func retryRevert(
        at position: Int, reason: String, now: Int64, effects: inout [TrafficRolloutAction]
    ) {
        let host = state.hosts[position]
        let delay = RollingRolloutStateMachine.revertRetryDelay(afterAttempt: host.revertAttempts)
        let deadline = (state.rollback?.startedAt ?? now) + state.plan.rollbackDeadline
        let willRetry = host.revertAttempts < RollingRolloutStateMachine.maxRevertAttempts && now + delay < deadline
        effects.append(.notify(.rollout(.revertFailed(host: host.name, reason: reason, willRetry: willRetry))))
        guard willRetry else {
            state.hosts[position].status = .stuck
            state.hosts[position].retryAt = nil
            return
        }
        _ = issue(at: position, status: .reverting, now: now)
        state.hosts[position].revertAttempts += 1
        state.hosts[position].retryAt = now + delay
    }

    /// Sends due retries; finishes when no host is reverting, or fails at the hard deadline.
    mutating func advanceRollback(now: Int64, effects: inout [TrafficRolloutAction]) {
        guard case .rollingBack = state.phase, let running = state.rollback else { return }
        for position in state.hosts.indices {
            let host = state.hosts[position]
            guard host.status == .reverting, let due = host.retryAt, due <= now, !host.lost, let id = host.commandID
            else {
                continue
            }
            state.hosts[position].retryAt = nil
            state.hosts[position].dispatchedAt = now
            effects.append(revertCommand(host: host.name, bySwap: host.revertBySwap, id: id))
        }
        let hosts = state.hosts
        guard
            let (report, outcome) = running.conclusion(
                now: now, deadline: state.plan.rollbackDeadline, reverting: hosts.contains { $0.status == .reverting },
                stuck: { hosts.filter { $0.status == .stuck }.map(\.name) },
                notBack: { hosts.filter { $0.status == .reverting || $0.status == .stuck }.map(\.name) })
        else { return }
        state.rollback = report
        state.phase = .finished(outcome)
        effects.append(.finished(outcome))
    }
}
