/// Everything a canary or blue-green rollout knows, persisted before each action is carried out
/// (see ``CanaryRolloutStateMachine/init(restoring:)``).
public struct TrafficRolloutState: Codable, Sendable, Equatable {
    /// The fixed plan.
    public var plan: TrafficRolloutPlan
    /// Where the rollout is.
    public var phase: TrafficRolloutPhase
    /// One entry per target host, in plan order.
    public var hosts: [TrafficHost]
    /// The current step (index into `plan.steps`).
    public var stepIndex: Int = 0
    /// The canary weight the live canary hosts should have now (basis points).
    public var targetWeightBP: Int = 0
    /// When the weight came into effect on every step host: the analysis window's start.
    public var windowStartedAt: Int64?
    /// When the next analysis is due (during a window).
    public var nextAnalysisAt: Int64?
    /// Whether the current step's pause is over (a resume then goes on to the next step).
    public var stepPauseOver: Bool = false
    /// Each host's counters at the window's start (taken from the first report when there was none):
    /// the end of a pause judges the whole step.
    public var baseline: [String: HostTrafficSample] = [:]
    /// Each host's counters at the previous analysis: the analyses during a window judge only
    /// the latest interval, so a sudden failure is not diluted by a long good window.
    public var intervalBaseline: [String: HostTrafficSample] = [:]
    /// Each host's latest report.
    public var latest: [String: HostTrafficSample] = [:]
    /// What happened in each step so far, for `drover rollout status`.
    public var steps: [TrafficStepRecord] = []
    /// When `start` arrived.
    public var startedAt: Int64?
    /// When a host last finished a command (or the rollout moved on): the progress deadline's origin.
    public var lastProgressAt: Int64 = 0
    /// The latest rollback, running or done, with its "why".
    public var rollback: RollbackReport?

    /// A rollout that has not started.
    public init(plan: TrafficRolloutPlan) {
        self.plan = plan
        self.phase = .notStarted
        self.hosts = plan.hosts.map { TrafficHost(name: $0) }
    }
}

/// Where a canary or blue-green rollout is.
public enum TrafficRolloutPhase: Codable, Sendable, Equatable {
    /// Created, waiting for `start`.
    case notStarted
    /// Walking through the steps.
    case running
    /// Not advancing: an operator's pause, an inconclusive analysis or a manual step; analysis
    /// still runs and still rolls back on failure. The reason says which.
    case paused(reason: String)
    /// An operator set the canary weight by hand; it holds until the next operator command.
    case holding(weightBP: Int)
    /// Every step passed (or a blue-green verify did); waiting for an operator's promote.
    case awaitingPromote
    /// Making the new version the only one on every host, `max_parallel` at a time.
    case promoting
    /// Every touched host is being sent back to the stable version in parallel.
    case rollingBack
    /// Over.
    case finished(RolloutOutcome)
}

/// One target host's part in a canary or blue-green rollout.
public struct TrafficHost: Codable, Sendable, Equatable {
    /// Where the host is.
    public enum Status: String, Codable, Sendable, Equatable {
        /// No canary yet.
        case pending
        /// Canary swap sent; waiting for the canary instance to be healthy.
        case swapping
        /// The canary runs beside stable at `weightBP`.
        case live
        /// A weight change was sent; waiting for its answer.
        case weighting
        /// Promote sent (a normal swap to the new version); waiting for it to be healthy.
        case promoting
        /// Runs only the new version.
        case promoted
        /// Being sent back to stable (revert canary, or swap back after a promote).
        case reverting
        /// Back on stable only.
        case reverted
        /// Its revert failed too often; needs an operator.
        case stuck
    }

    /// The host's name.
    public var name: String
    /// Where it is.
    public var status: Status = .pending
    /// The canary weight in effect (or being set) on this host, basis points.
    public var weightBP: Int = 0
    /// Commands issued so far; the current command's id uses it.
    public var attempt: Int = 0
    /// Revert commands issued in the current rollback.
    public var revertAttempts: Int = 0
    /// The current command's id; answers for other ids are stale.
    public var commandID: String?
    /// When the current command was issued.
    public var dispatchedAt: Int64?
    /// Whether the rollback sends it a full swap back (it was promoted) rather than a canary revert.
    public var revertBySwap: Bool = false
    /// Whether contact is lost.
    public var lost: Bool = false
    /// A failed revert waits until this time before its next command goes out.
    public var retryAt: Int64?
    /// Whether the rollout ever sent this host a command.
    public var touched: Bool = false

    /// A pending host.
    public init(name: String) {
        self.name = name
    }
}

/// One step's record: what was set, where, and every analysis verdict.
public struct TrafficStepRecord: Codable, Sendable, Equatable {
    /// The step's index (0-based; operator-held weights are recorded as their own entry with the step's index).
    public var index: Int
    /// The canary weight set (basis points).
    public var weightBP: Int
    /// The hosts carrying the canary.
    public var hosts: [String]
    /// Whether an operator set this weight by hand.
    public var manual: Bool
    /// When the step (or hold) began.
    public var startedAt: Int64
    /// When its weight was in effect everywhere (the window's start).
    public var windowStartedAt: Int64?
    /// The latest measured canary share of the service's requests (basis points).
    public var measuredShareBP: Int?
    /// Every verdict, in time order.
    public var analyses: [TimedAnalysis] = []
}

/// An analysis result with the time it was made.
public struct TimedAnalysis: Codable, Sendable, Equatable {
    /// When (wall-clock milliseconds).
    public var at: Int64
    /// The numbers and the verdict.
    public var result: AnalysisResult
}
