extension RollingRolloutStateMachine {
    /// The earliest instant (wall-clock milliseconds) at which a ``RolloutInput/tick`` could
    /// change something: a host's `min_healthy_time` ending, a `healthy_deadline`, the
    /// `progress_deadline`, a failed revert's retry or the rollback deadline; `nil` when nothing is timed (not started,
    /// paused with nothing in flight, finished).
    ///
    /// Lets the coordinator's clock wake exactly when needed instead of polling finely: ticking
    /// at this instant gives the same outcome as ticking at any later one (deadlines are judged
    /// at the instants they fall due).
    public var nextDueAt: Int64? {
        let plan = state.plan
        var due: [Int64] = []
        switch state.phase {
        case .running, .paused:
            for position in tally.inFlight {
                let host = state.hosts[position]
                guard let sent = host.dispatchedAt else { continue }
                switch host.status {
                case .stabilizing:
                    if let since = host.healthySince { due.append(since + plan.minHealthyTime) }
                    due.append(sent + plan.healthyDeadline)
                case .swapping:
                    due.append(sent + plan.healthyDeadline)
                case .pending, .updated, .reverting, .reverted, .stuck:
                    break
                }
            }
            if state.phase == .running { due.append(state.lastProgressAt + plan.progressDeadline) }
        case .rollingBack:
            if let rollback = state.rollback { due.append(rollback.startedAt + plan.rollbackDeadline) }
            // A failed revert's retry goes out when its backoff is over.
            due += tally.hosts(in: .reverting).compactMap { state.hosts[$0].retryAt }
        case .notStarted, .finished:
            break
        }
        return due.min()
    }
}
