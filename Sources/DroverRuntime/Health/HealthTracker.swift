/// Turns a stream of probe results into the instance's health (the agent judges locally).
///
/// Pure: the caller passes the time. An instance starts ``Status/starting``; consecutive
/// passes reaching ``HealthCheckPolicy/healthyThreshold`` make it healthy, consecutive
/// failures reaching ``HealthCheckPolicy/unhealthyThreshold`` unhealthy. While it is still
/// starting and within ``HealthCheckPolicy/startPeriod``, failures are not counted (as in
/// Docker's `--start-period`), so a slow starter is not condemned early; once it was healthy
/// the start period no longer applies.
public struct HealthTracker: Hashable, Sendable {
    /// The instance's health.
    public enum Status: Hashable, Sendable {
        /// Not judged yet.
        case starting
        case healthy
        case unhealthy
    }

    /// The policy.
    public let policy: HealthCheckPolicy
    /// The current health.
    public private(set) var status: Status = .starting
    /// Passes in a row (reset by a failure).
    public private(set) var consecutivePasses = 0
    /// Counted failures in a row (reset by a pass).
    public private(set) var consecutiveFailures = 0
    /// The reason of the last failure, for reports.
    public private(set) var lastFailure: String?
    private let startedAt: ContinuousClock.Instant
    private var lastProbeAt: ContinuousClock.Instant?

    /// Starts tracking an instance started at `startedAt`.
    public init(policy: HealthCheckPolicy = HealthCheckPolicy(), startedAt: ContinuousClock.Instant) {
        self.policy = policy
        self.startedAt = startedAt
    }

    /// Records a probe's result at `now`; returns the new status when it changed.
    @discardableResult
    public mutating func record(_ result: HealthCheckResult, at now: ContinuousClock.Instant) -> Status? {
        lastProbeAt = now
        let before = status
        switch result {
        case .passed:
            consecutiveFailures = 0
            consecutivePasses += 1
            if consecutivePasses >= policy.healthyThreshold { status = .healthy }
        case .failed(let reason):
            consecutivePasses = 0
            lastFailure = reason
            if status == .starting && isInStartPeriod(at: now) { return nil }
            consecutiveFailures += 1
            if consecutiveFailures >= policy.unhealthyThreshold { status = .unhealthy }
        }
        return status == before ? nil : status
    }

    /// Whether `now` is within the start period.
    public func isInStartPeriod(at now: ContinuousClock.Instant) -> Bool {
        now - startedAt < policy.startPeriod
    }

    /// When the next probe is due: at the start, then one interval after the last probe.
    public var nextProbeAt: ContinuousClock.Instant {
        lastProbeAt.map { $0 + policy.interval } ?? startedAt
    }
}
