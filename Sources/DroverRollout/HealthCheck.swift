/// How the agent judges an instance: the probe, its timing and its thresholds.
///
/// Defaults follow Kubernetes probes and kamal-proxy: every 5 s, 2 s timeout, 2 passes to be
/// healthy, 3 failures to be unhealthy.
public struct HealthCheck: Codable, Sendable, Equatable {
    /// What one check does.
    public enum Probe: Codable, Sendable, Equatable {
        /// `http: {path, status}`: GET `path` on the container port, expect `status`.
        case http(path: String, status: Int)
        /// `tcp: {}`: a TCP connection to the container port succeeds.
        case tcp
        /// `exec: {command: [...]}`: the command exits 0 (run inside the container or beside the process).
        case exec(command: [String])
    }

    /// The probe (`http`, `tcp` or `exec`; default `http: {path: /health, status: 200}`).
    public var probe: Probe
    /// `health.interval`: time between checks (default 5 s).
    public var interval: SpecDuration
    /// `health.timeout`: how long one check may take (default 2 s; less than the interval).
    public var timeout: SpecDuration
    /// `health.healthy_threshold`: consecutive passes to become healthy (default 2).
    public var healthyThreshold: Int
    /// `health.unhealthy_threshold`: consecutive failures to become unhealthy (default 3).
    public var unhealthyThreshold: Int
    /// `health.start_period`: failures in this time after start do not count (default 0 s).
    public var startPeriod: SpecDuration

    /// A health check; every argument has the documented default.
    public init(
        probe: Probe = .http(path: "/health", status: 200),
        interval: SpecDuration = .seconds(5),
        timeout: SpecDuration = .seconds(2),
        healthyThreshold: Int = 2,
        unhealthyThreshold: Int = 3,
        startPeriod: SpecDuration = .zero
    ) {
        self.probe = probe
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.startPeriod = startPeriod
    }
}
