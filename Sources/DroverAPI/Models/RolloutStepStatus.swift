/// One step of a canary or blue-green rollout in `GET /v1/rollouts/{id}`: the weight set,
/// the share of traffic the canary actually got, and every analysis verdict.
public struct RolloutStepStatus: Codable, Sendable, Equatable {
    /// The step's number, from 1 (a weight held by hand repeats the step it interrupted).
    public var step: Int
    /// The canary's share set for this step, basis points (0–10000).
    public var weightBp: Int
    /// Whether an operator set the weight (`drover canary … --percent`).
    public var manual: Bool
    /// The hosts carrying the canary.
    public var hosts: [String]
    /// When the step began, Unix milliseconds.
    public var startedAt: Int64
    /// When its weight was in effect on every host (the analysis window's start).
    public var windowStartedAt: Int64?
    /// The canary's measured share of the service's requests at the latest analysis, basis points.
    public var measuredShareBp: Int?
    /// Every verdict, oldest first.
    public var analyses: [RolloutAnalysisStatus]

    enum CodingKeys: String, CodingKey {
        case step, manual, hosts, analyses
        case weightBp = "weight_bp"
        case startedAt = "started_at"
        case windowStartedAt = "window_started_at"
        case measuredShareBp = "measured_share_bp"
    }

    /// Creates a step status.
    public init(
        step: Int, weightBp: Int, manual: Bool, hosts: [String], startedAt: Int64, windowStartedAt: Int64?,
        measuredShareBp: Int?, analyses: [RolloutAnalysisStatus]
    ) {
        self.step = step
        self.weightBp = weightBp
        self.manual = manual
        self.hosts = hosts
        self.startedAt = startedAt
        self.windowStartedAt = windowStartedAt
        self.measuredShareBp = measuredShareBp
        self.analyses = analyses
    }
}

/// One analysis of a canary window.
public struct RolloutAnalysisStatus: Codable, Sendable, Equatable {
    /// When, Unix milliseconds.
    public var at: Int64
    /// `pass`, `fail` or `inconclusive`.
    public var verdict: String
    /// The verdict with its numbers, in words.
    public var summary: String
    /// Canary requests and errors in the window, and its p95 latency in milliseconds.
    public var canaryRequests: UInt64
    public var canaryErrors: UInt64
    public var canaryP95Ms: Double
    /// Stable requests and errors on the canary hosts in the window, and their p95 latency.
    public var stableRequests: UInt64
    public var stableErrors: UInt64
    public var stableP95Ms: Double

    enum CodingKeys: String, CodingKey {
        case at, verdict, summary
        case canaryRequests = "canary_requests"
        case canaryErrors = "canary_errors"
        case canaryP95Ms = "canary_p95_ms"
        case stableRequests = "stable_requests"
        case stableErrors = "stable_errors"
        case stableP95Ms = "stable_p95_ms"
    }

    /// Creates an analysis status.
    public init(
        at: Int64, verdict: String, summary: String, canaryRequests: UInt64, canaryErrors: UInt64, canaryP95Ms: Double,
        stableRequests: UInt64, stableErrors: UInt64, stableP95Ms: Double
    ) {
        self.at = at
        self.verdict = verdict
        self.summary = summary
        self.canaryRequests = canaryRequests
        self.canaryErrors = canaryErrors
        self.canaryP95Ms = canaryP95Ms
        self.stableRequests = stableRequests
        self.stableErrors = stableErrors
        self.stableP95Ms = stableP95Ms
    }
}
