import DroverRollout

/// Words for phases, outcomes and notifications, shared by the store rows, events and views.
package enum RolloutText {
    /// The API's phase word: `running`, `paused`, `rolling_back`, or how it ended
    /// (`succeeded`, `rolled_back`, `aborted`, `failed`). A rollout not yet started (only seen
    /// between its creation and its start) counts as running.
    static func phase(_ phase: RolloutPhase) -> String {
        switch phase {
        case .notStarted, .running: "running"
        case .paused: "paused"
        case .rollingBack: "rolling_back"
        case .finished(.succeeded): "succeeded"
        case .finished(.rolledBack): "rolled_back"
        case .finished(.aborted): "aborted"
        case .finished(.failed): "failed"
        }
    }

    /// One line on how a rollout ended.
    static func outcome(_ outcome: RolloutOutcome, plan: RolloutPlan) -> String {
        self.outcome(outcome, service: plan.service, toVersion: plan.toVersion, hostCount: plan.hosts.count)
    }

    /// One line on how a rollout of `service` to `toVersion` on `hostCount` hosts ended.
    static func outcome(_ outcome: RolloutOutcome, service: String, toVersion: String, hostCount: Int) -> String {
        switch outcome {
        case .succeeded:
            "\(service) runs \(toVersion) on \(hostCount) host\(hostCount == 1 ? "" : "s")"
        case .rolledBack(let report):
            "rolled back: \(report)"
        case .aborted:
            "aborted by an operator; hosts were left as they were"
        case .failed(let failure):
            "failed: \(failure)"
        }
    }

    /// The outcome's "why", when it has one.
    static func report(_ outcome: RolloutOutcome) -> RollbackReport? {
        switch outcome {
        case .rolledBack(let report): report
        case .failed(let failure): failure.report
        case .succeeded, .aborted: nil
        }
    }

    /// Event kind, severity, host and message for a notification.
    static func event(
        _ notification: RolloutNotification, plan: RolloutPlan
    ) -> (kind: String, warning: Bool, host: String?, message: String) {
        event(notification, service: plan.service, from: plan.fromVersion, to: plan.toVersion)
    }

    /// Event kind, severity, host and message for a notification of a rollout of `service`.
    static func event(
        _ notification: RolloutNotification, service: String, from: String, to: String
    ) -> (kind: String, warning: Bool, host: String?, message: String) {
        switch notification {
        case .started(let hosts, let maxParallel):
            return (
                "rollout.started", false, nil,
                "rollout of \(service) \(from) → \(to) started on \(hosts) host\(hosts == 1 ? "" : "s"), \(maxParallel) at a time"
            )
        case .hostUpdated(let host):
            return ("rollout.host-updated", false, host, "\(host) runs \(to) and stayed healthy for min_healthy_time")
        case .hostLost(let host):
            return ("rollout.host-lost", true, host, "\(host) stopped reporting")
        case .hostBack(let host):
            return ("rollout.host-back", false, host, "\(host) reports again")
        case .paused:
            return ("rollout.paused", false, nil, "paused by an operator: hosts in flight finish, no new host starts")
        case .resumed:
            return ("rollout.resumed", false, nil, "resumed by an operator")
        case .rollbackStarted(let report):
            return ("rollout.rollback-started", true, report.host, "rollback started: \(report)")
        case .hostReverted(let host):
            return ("rollout.host-reverted", false, host, "\(host) is back on the rollback's version")
        case .revertFailed(let host, let reason, let willRetry):
            return (
                "rollout.revert-failed", true, host,
                "\(host) failed to swap back (\(reason)); \(willRetry ? "retrying" : "giving up: the host needs an operator")"
            )
        case .rejected(let command, let reason):
            return ("rollout.command-rejected", false, nil, "\(command) refused: \(reason)")
        }
    }
}
