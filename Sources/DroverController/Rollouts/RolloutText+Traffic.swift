import DroverRollout

/// Words for canary and blue-green rollouts.
extension RolloutText {
    /// The API's phase word: `running`, `paused`, `holding`, `awaiting_promote`, `promoting`,
    /// `rolling_back`, or how it ended (as for rolling rollouts).
    static func phase(_ phase: TrafficRolloutPhase) -> String {
        switch phase {
        case .notStarted, .running: "running"
        case .paused: "paused"
        case .holding: "holding"
        case .awaitingPromote: "awaiting_promote"
        case .promoting: "promoting"
        case .rollingBack: "rolling_back"
        case .finished(let outcome): self.phase(.finished(outcome) as RolloutPhase)
        }
    }

    /// Event kind, severity, host and message for a canary or blue-green notification.
    static func event(
        _ notification: TrafficRolloutNotification, plan: TrafficRolloutPlan
    ) -> (kind: String, warning: Bool, host: String?, message: String) {
        switch notification {
        case .rollout(let shared):
            return event(shared, service: plan.service, from: plan.fromVersion, to: plan.toVersion)
        case .stepStarted(let index, let weightBP, let hosts):
            let what =
                plan.mode == .blueGreen
                ? (index == 0
                    ? "verify: \(plan.toVersion) starts beside \(plan.fromVersion) without traffic"
                    : "switch: all traffic to \(plan.toVersion)")
                : "step \(index + 1)/\(plan.steps.count): \(plan.toVersion) gets \(BasisPoints.text(weightBP)) of the traffic"
            return (
                "rollout.step-started", false, nil,
                "\(what) on \(hosts.count) host\(hosts.count == 1 ? "" : "s") (\(hosts.joined(separator: ", ")))"
            )
        case .windowStarted(let index):
            return (
                "rollout.window-started", false, nil,
                "step \(index + 1): weight in effect on every host; analysis window open"
            )
        case .analysed(let index, let result):
            return (
                "rollout.analysis", Self.failed(result.verdict), nil,
                "step \(index + 1) analysis: \(Self.analysis(result))"
            )
        case .paused(let reason):
            return ("rollout.paused", false, nil, "paused: \(reason)")
        case .weightHeld(let weightBP):
            return (
                "rollout.weight-held", false, nil,
                "canary weight set by an operator to \(BasisPoints.text(weightBP)); it holds until the next command"
            )
        case .switched:
            return (
                "rollout.switched", false, nil,
                "all traffic switched to \(plan.toVersion); \(plan.fromVersion) kept warm"
            )
        case .promoting:
            return (
                "rollout.promoting", false, nil,
                "promoting \(plan.toVersion) on every host, \(plan.maxParallel) at a time"
            )
        case .hostPromoted(let host):
            return ("rollout.host-promoted", false, host, "\(host) runs only \(plan.toVersion)")
        }
    }

    /// One line for an analysis: the verdict, then the numbers.
    package static func analysis(_ result: AnalysisResult) -> String {
        let verdict: String =
            switch result.verdict {
            case .pass: "pass"
            case .fail(let failure): "FAIL: \(failure.observed) (limit \(failure.threshold))"
            case .inconclusive(let why): "inconclusive: \(why)"
            }
        let canaryErrors = BasisPoints.text(BasisPoints.ratio(result.canaryErrors, of: result.canaryRequests))
        return
            "\(verdict); canary \(result.canaryRequests) requests, \(canaryErrors) errors, p95 \(Self.milliseconds(result.canaryP95Microseconds)); stable \(result.stableRequests) requests, p95 \(Self.milliseconds(result.stableP95Microseconds))"
    }

    /// The API's verdict word: `pass`, `fail` or `inconclusive`.
    static func verdict(_ verdict: AnalysisVerdict) -> String {
        switch verdict {
        case .pass: "pass"
        case .fail: "fail"
        case .inconclusive: "inconclusive"
        }
    }

    private static func failed(_ verdict: AnalysisVerdict) -> Bool {
        if case .fail = verdict { return true }
        return false
    }

    private static func milliseconds(_ microseconds: Double) -> String {
        let ms = microseconds / 1_000
        return ms >= 10 ? "\(Int(ms.rounded())) ms" : "\(Double(Int(ms * 10)) / 10) ms"
    }
}
