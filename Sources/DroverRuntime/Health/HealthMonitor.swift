/// Probes one instance on its policy's schedule and reports every change of its health.
///
/// The I/O shell around ``HealthTracker``: it runs the check every
/// ``HealthCheckPolicy/interval`` (each probe limited to ``HealthCheckPolicy/timeout``) until
/// its task is cancelled or `onChange` throws. Run it as a child task of the code that owns
/// the instance, so stopping the instance also stops its probes.
public struct HealthMonitor: Sendable {
    /// The probe.
    public let check: any HealthCheck
    /// The schedule and thresholds.
    public let policy: HealthCheckPolicy

    /// Creates a monitor.
    public init(check: any HealthCheck, policy: HealthCheckPolicy = HealthCheckPolicy()) {
        self.check = check
        self.policy = policy
    }

    /// Probes until cancelled (then returns) or until `onChange` throws (then rethrows).
    ///
    /// - Parameters:
    ///   - startedAt: when the instance started; the start period counts from here.
    ///   - onChange: called with the new status and the probe result that caused it.
    public func run(
        startedAt: ContinuousClock.Instant = .now,
        onChange: (HealthTracker.Status, HealthCheckResult) async throws -> Void
    ) async throws {
        let clock = ContinuousClock()
        var tracker = HealthTracker(policy: policy, startedAt: startedAt)
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: tracker.nextProbeAt)
            } catch {
                return  // cancelled
            }
            let result = await check.run(timeout: policy.timeout)
            if let status = tracker.record(result, at: clock.now) {
                try await onChange(status, result)
            }
        }
    }
}
