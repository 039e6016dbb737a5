extension RollbackReport {
    /// How a running rollback ends at `now`, or `nil` while it goes on: over when no host is
    /// still reverting (failed if some got stuck), failed at its hard deadline naming the hosts
    /// not back. The report comes back with `finishedAt` and "what was done" filled in.
    ///
    /// Shared by the rolling and the canary/blue-green machines, whose hosts differ in type:
    /// they pass what they know of them.
    ///
    /// - Parameters:
    ///   - reverting: whether any host is still reverting.
    ///   - stuck: the hosts whose reverts failed every attempt, in plan order.
    ///   - notBack: the hosts reverting or stuck, in plan order (asked only at the deadline).
    ///   - deadline: how long the rollback may take, milliseconds.
    func conclusion(
        now: Int64, deadline: Int64, reverting: Bool, stuck: () -> [String], notBack: () -> [String]
    ) -> (report: RollbackReport, outcome: RolloutOutcome)? {
        var report = self
        if !reverting {
            let stuck = stuck()
            report.finishedAt = now
            report.action = RollingRolloutStateMachine.rollbackAction(
                reverted: revertedHosts, stuck: stuck, skipped: skippedHosts, target: targetVersion, finished: true)
            let outcome: RolloutOutcome =
                stuck.isEmpty
                ? .rolledBack(report) : .failed(RolloutFailure(reason: .revertFailed, hosts: stuck, report: report))
            return (report, outcome)
        }
        guard now >= startedAt + deadline else { return nil }
        let notBack = notBack()
        report.finishedAt = startedAt + deadline
        report.action =
            RollingRolloutStateMachine.rollbackAction(
                reverted: revertedHosts, stuck: notBack, skipped: skippedHosts, target: targetVersion, finished: true)
            + "; the \(SpecDuration(milliseconds: deadline)) rollback deadline passed"
        return (report, .failed(RolloutFailure(reason: .rollbackDeadlineExceeded, hosts: notBack, report: report)))
    }
}
