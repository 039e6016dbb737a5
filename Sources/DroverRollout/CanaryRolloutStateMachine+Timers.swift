extension CanaryRolloutStateMachine {
    /// The earliest instant (wall-clock ms) at which a ``RolloutInput/tick`` could change
    /// something: an analysis, a pause's end, a `healthy_deadline`, the `progress_deadline`, a
    /// revert retry or the rollback deadline; `nil` when nothing is timed.
    public var nextDueAt: Int64? {
        let plan = state.plan
        var due: [Int64] = []
        switch state.phase {
        case .running, .paused, .holding, .awaitingPromote, .promoting:
            if let next = state.nextAnalysisAt { due.append(next) }
            if let end = pauseEndsAt { due.append(end) }
            for host in state.hosts where host.status == .swapping || host.status == .promoting {
                if let sent = host.dispatchedAt { due.append(sent + plan.healthyDeadline) }
            }
            if hasOutstandingWork { due.append(state.lastProgressAt + plan.progressDeadline) }
        case .rollingBack:
            if let rollback = state.rollback { due.append(rollback.startedAt + plan.rollbackDeadline) }
            due += state.hosts.compactMap { $0.status == .reverting ? $0.retryAt : nil }
        case .notStarted, .finished:
            break
        }
        return due.min()
    }
}
