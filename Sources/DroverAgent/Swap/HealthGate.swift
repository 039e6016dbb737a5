import DroverRuntime

/// Waits until a new instance is healthy by the order's policy, or fails it: the swap's
/// "health-check until healthy or `healthyDeadline`" step for one instance.
///
/// Decisions come from ``HealthTracker`` (pure); this only schedules probes on the injected
/// clock and words the verdict for the result (`observed` against `threshold`).
package struct HealthGate: Sendable {
    /// How the wait ended.
    enum Verdict: Sendable, Equatable {
        case healthy
        /// Unhealthy, exited, or not healthy in time; `timedOut` for the deadline.
        case failed(observed: String, threshold: String, timedOut: Bool)
        case cancelled
    }

    /// The probe.
    let check: any HealthCheck
    /// Schedule and thresholds.
    let policy: HealthCheckPolicy
    /// The instance must be healthy this long after the wait begins.
    let deadline: Duration
    /// Time source.
    let clock: SwapClock
    /// The instance's state, asked after a failed probe so an exited instance fails at once.
    let state: @Sendable () async -> InstanceStatus.State?

    /// The policy an order asks for. A revert calls an instance healthy on its first pass and
    /// probes often (at most every 250 ms), with as many failures allowed in the same time as
    /// the order's own policy allows.
    package static func policy(for order: SwapOrder) -> HealthCheckPolicy {
        guard order.revert else {
            return HealthCheckPolicy(
                interval: order.healthInterval, timeout: order.healthTimeout, healthyThreshold: order.healthyThreshold,
                unhealthyThreshold: order.unhealthyThreshold, startPeriod: order.startPeriod)
        }
        let interval = min(order.healthInterval, .milliseconds(250))
        let allowed = order.healthInterval * order.unhealthyThreshold
        let failures = max(order.unhealthyThreshold, Int((allowed / interval).rounded(.up)))
        return HealthCheckPolicy(
            interval: interval, timeout: order.healthTimeout, healthyThreshold: 1, unhealthyThreshold: failures,
            startPeriod: order.startPeriod)
    }

    /// Probes until the instance is healthy, unhealthy, exited, past the deadline, or the task is cancelled.
    func wait() async -> Verdict {
        let startedAt = clock.now()
        let deadlineAt = startedAt + deadline
        var tracker = HealthTracker(policy: policy, startedAt: startedAt)
        while true {
            let next = tracker.nextProbeAt
            if next > deadlineAt { return missedDeadline(tracker) }
            do {
                try await clock.sleepUntil(next)
            } catch {
                return .cancelled
            }
            if Task.isCancelled { return .cancelled }
            let result = await check.run(timeout: policy.timeout)
            let now = clock.now()
            tracker.record(result, at: now)
            switch tracker.status {
            case .healthy:
                return .healthy
            case .unhealthy:
                let failures = policy.unhealthyThreshold
                return .failed(
                    observed: "\(failures) consecutive failures: \(tracker.lastFailure ?? "failed")",
                    threshold: "\(failures) \(failures == 1 ? "failure" : "failures")", timedOut: false)
            case .starting:
                break
            }
            if case .failed(let reason) = result, case .exited(let code)? = await state() {
                return .failed(
                    observed: "the instance exited\(code.map { " with code \($0)" } ?? ""); last probe: \(reason)",
                    threshold: "running and \(passes) within \(deadline.swapText)", timedOut: false)
            }
            if now >= deadlineAt { return missedDeadline(tracker) }
        }
    }

    private var passes: String {
        "\(policy.healthyThreshold) consecutive \(policy.healthyThreshold == 1 ? "pass" : "passes")"
    }

    private func missedDeadline(_ tracker: HealthTracker) -> Verdict {
        var observed =
            "not healthy after \(deadline.swapText): \(tracker.consecutivePasses) of \(policy.healthyThreshold) passes"
        if let failure = tracker.lastFailure { observed += "; last failure: \(failure)" }
        return .failed(observed: observed, threshold: "\(passes) within \(deadline.swapText)", timedOut: true)
    }
}
