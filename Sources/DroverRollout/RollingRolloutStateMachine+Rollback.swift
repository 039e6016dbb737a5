/// Rollback: skip the remaining hosts and every wait, swap every host that differs from the
/// target version back at once, and finish within the plan's hard deadline (5 minutes).
extension RollingRolloutStateMachine {
    /// Acts on a failure signal: roll back when `auto_revert` is on, else stop where we are.
    mutating func fail(_ signal: FailureSignal, now: Int64, effects: inout [RolloutAction]) {
        guard state.plan.autoRevert else {
            let hosts = state.hosts.filter {
                $0.name == signal.host || $0.status == .swapping || $0.status == .stabilizing
            }.map(\.name)
            let report = RollbackReport(
                host: signal.host, signal: signal.signal, observed: signal.observed, threshold: signal.threshold,
                action: "none: update.auto_revert is off; the rollout stopped and hosts were left as they are",
                targetVersion: state.plan.fromVersion, startedAt: now, finishedAt: now)
            let outcome = RolloutOutcome.failed(
                RolloutFailure(reason: .autoRevertDisabled, hosts: hosts, report: report))
            state.phase = .finished(outcome)
            effects.append(.finished(outcome))
            return
        }
        beginRollback(signal, to: state.plan.fromVersion, now: now, effects: &effects)
    }

    /// Starts a rollback to `target`: every host whose version differs (or whose earlier revert
    /// did not finish) gets a revert command now; untouched hosts are skipped.
    mutating func beginRollback(
        _ signal: FailureSignal, to target: String, now: Int64, effects: inout [RolloutAction]
    ) {
        let positions = positionsToRevert(to: target)
        var commands: [RolloutAction] = []
        for position in positions {
            let id = issueCommand(at: position, status: .reverting, version: target, now: now)
            update(position) { $0.revertAttempts = 1 }
            // A lost host gets its command when it is back (or the deadline names it as stuck).
            if !state.hosts[position].lost {
                commands.append(.revert(host: state.hosts[position].name, to: target, commandID: id))
            }
        }
        let reverted = positions.map { state.hosts[$0].name }
        let skipped = state.hosts.filter { !$0.touched }.map(\.name)
        let report = RollbackReport(
            host: signal.host, signal: signal.signal, observed: signal.observed, threshold: signal.threshold,
            action: Self.rollbackAction(
                reverted: reverted, stuck: [], skipped: skipped, target: target, finished: false),
            targetVersion: target, revertedHosts: reverted, skippedHosts: skipped, startedAt: now)
        state.rollback = report
        state.phase = .rollingBack
        effects.append(.notify(.rollbackStarted(report)))
        effects.append(contentsOf: commands)
        advanceRollback(now: now, effects: &effects)
    }

    /// Hosts a rollback to `target` must send back: those on another version, and those whose
    /// earlier revert never finished.
    func positionsToRevert(to target: String) -> [Int] {
        state.hosts.indices.filter { position in
            let host = state.hosts[position]
            return host.version != target || host.status == .reverting || host.status == .stuck
        }
    }

    mutating func rollbackHostEvent(_ event: HostEvent, at position: Int, now: Int64, effects: inout [RolloutAction]) {
        let host = state.hosts[position]
        let reverting = host.status == .reverting
        switch event {
        case .instanceHealthy(let id) where id == host.commandID && reverting:
            // No min_healthy_time here: a rollback skips every wait.
            setStatus(position, .reverted)
            update(position) { $0.healthySince = now }
            effects.append(.notify(.hostReverted(host.name)))
        case .instanceUnhealthy(let id, let observed, _) where id == host.commandID && reverting:
            retryRevert(at: position, reason: observed, now: now, effects: &effects)
        case .swapFailed(let id, let reason) where id == host.commandID && reverting:
            retryRevert(at: position, reason: reason, now: now, effects: &effects)
        case .hostLost:
            trackLiveness(event, at: position, effects: &effects)
        case .hostBack:
            guard trackLiveness(event, at: position, effects: &effects) else { return }
            // Re-send with the same id: the agent may already have it (a retry waits for its backoff).
            if reverting, host.retryAt == nil, let id = host.commandID {
                effects.append(.revert(host: host.name, to: host.version, commandID: id))
            }
        default:
            return  // stale command id or duplicate
        }
        advanceRollback(now: now, effects: &effects)
    }

    /// A failed revert is tried again with a fresh command after a backoff (1 s, 2 s, 4 s, 8 s,
    /// 15 s: an agent restarting or a busy engine gets time to recover), up to
    /// ``maxRevertAttempts`` in all and never past the rollback's hard deadline.
    private mutating func retryRevert(at position: Int, reason: String, now: Int64, effects: inout [RolloutAction]) {
        let host = state.hosts[position]
        let delay = Self.revertRetryDelay(afterAttempt: host.revertAttempts)
        let deadline = (state.rollback?.startedAt ?? now) + state.plan.rollbackDeadline
        let willRetry = host.revertAttempts < Self.maxRevertAttempts && now + delay < deadline
        effects.append(.notify(.revertFailed(host: host.name, reason: reason, willRetry: willRetry)))
        guard willRetry else {
            setStatus(position, .stuck)
            update(position) { $0.retryAt = nil }
            return
        }
        _ = issueCommand(at: position, status: .reverting, version: host.version, now: now)
        update(position) { $0.revertAttempts += 1 }
        update(position) { $0.retryAt = now + delay }
    }

    /// The wait before revert attempt `attempt + 1`, in milliseconds.
    static func revertRetryDelay(afterAttempt attempt: Int) -> Int64 {
        min(15_000, 1_000 << Int64(min(max(attempt - 1, 0), 4)))
    }

    /// Sends the reverts whose backoff is over (hosts that are connected).
    mutating func sendDueRetries(now: Int64, effects: inout [RolloutAction]) {
        for position in tally.hosts(in: .reverting).sorted() {
            guard let due = state.hosts[position].retryAt, due <= now, !state.hosts[position].lost else { continue }
            let host = state.hosts[position]
            guard let id = host.commandID else { continue }
            update(position) { $0.retryAt = nil }
            update(position) { $0.dispatchedAt = now }
            effects.append(.revert(host: host.name, to: host.version, commandID: id))
        }
    }

    /// Finishes the rollback when no host is still reverting, or fails it at the hard deadline.
    mutating func advanceRollback(now: Int64, effects: inout [RolloutAction]) {
        guard case .rollingBack = state.phase, let running = state.rollback else { return }
        sendDueRetries(now: now, effects: &effects)
        let hosts = state.hosts
        guard
            let (report, outcome) = running.conclusion(
                now: now, deadline: state.plan.rollbackDeadline, reverting: tally.count(.reverting) > 0,
                stuck: { tally.hosts(in: .stuck).sorted().map { hosts[$0].name } },
                notBack: { hosts.filter { $0.status == .reverting || $0.status == .stuck }.map(\.name) })
        else { return }
        state.rollback = report
        state.phase = .finished(outcome)
        effects.append(.finished(outcome))
    }

    /// "What was done", in words an operator reads in an alert.
    static func rollbackAction(
        reverted: [String], stuck: [String], skipped: [String], target: String, finished: Bool
    ) -> String {
        let count = reverted.count
        let hosts = count == 1 ? "1 host" : "\(count) hosts"
        var text: String
        if !finished {
            text = "reverting \(hosts) to \(target) in parallel"
        } else if stuck.isEmpty {
            text = "reverted \(hosts) to \(target) in parallel"
        } else {
            text =
                "reverted \(count - stuck.count) of \(hosts) to \(target) in parallel; not back: \(stuck.joined(separator: ", "))"
        }
        if !skipped.isEmpty {
            text += "; skipped \(skipped.count) untouched host\(skipped.count == 1 ? "" : "s")"
        }
        return text
    }
}
