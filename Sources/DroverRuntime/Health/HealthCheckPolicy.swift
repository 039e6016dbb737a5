/// When probes run and how many make an instance healthy or unhealthy.
///
/// The defaults are Kubernetes' and kamal-proxy's: every 5 s, 2 s timeout, 2 passes to be
/// healthy, 3 failures to be unhealthy.
public struct HealthCheckPolicy: Hashable, Sendable {
    /// Time between probes.
    public var interval: Duration
    /// A probe that takes longer fails.
    public var timeout: Duration
    /// Consecutive passes that make the instance healthy.
    public var healthyThreshold: Int
    /// Consecutive failures that make it unhealthy.
    public var unhealthyThreshold: Int
    /// After the start, failures do not count for this long (slow starters); a pass counts at once.
    public var startPeriod: Duration

    /// Creates a policy.
    public init(
        interval: Duration = .seconds(5),
        timeout: Duration = .seconds(2),
        healthyThreshold: Int = 2,
        unhealthyThreshold: Int = 3,
        startPeriod: Duration = .zero
    ) {
        precondition(interval > .zero && timeout > .zero && healthyThreshold > 0 && unhealthyThreshold > 0)
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.startPeriod = startPeriod
    }
}
