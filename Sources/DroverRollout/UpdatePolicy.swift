/// How a new version replaces the old one (the spec's `update` block, after Nomad's).
public struct UpdatePolicy: Codable, Sendable, Equatable {
    /// The rollout strategy.
    public enum Strategy: String, Codable, Sendable, Equatable, CaseIterable {
        /// Replace hosts a few at a time, `max_parallel` at once.
        case rolling
        /// Run the new version beside the old one and shift traffic in steps (`update.canary`),
        /// judged by `update.analysis`.
        case canary
        /// Start the full new set beside the old one, then switch all traffic at once
        /// (`update.blue_green`), judged by `update.analysis`.
        case blueGreen = "blue-green"
    }

    /// How many hosts may be updated at once: a count or a share of the target hosts.
    public enum MaxParallel: Codable, Sendable, Equatable, CustomStringConvertible {
        /// At most this many hosts.
        case count(Int)
        /// At most this percentage of the target hosts, rounded down, but at least one.
        case percent(Int)

        /// Parses `2` or `25%`; `nil` for anything else (range checks are the validator's).
        public init?(parsing text: String) {
            let text = text.trimmingASCIIWhitespace()
            if text.hasSuffix("%") {
                guard let value = Int(text.dropLast()) else { return nil }
                self = .percent(value)
            } else {
                guard let value = Int(text) else { return nil }
                self = .count(value)
            }
        }

        /// The number of hosts in flight at once for `hostCount` target hosts (at least 1).
        public func resolved(hostCount: Int) -> Int {
            switch self {
            case .count(let count): max(1, count)
            case .percent(let percent): max(1, hostCount * percent / 100)
            }
        }

        /// `2` or `25%`.
        public var description: String {
            switch self {
            case .count(let count): "\(count)"
            case .percent(let percent): "\(percent)%"
            }
        }
    }

    /// `update.strategy`: `rolling` (default), `canary` or `blue-green`.
    public var strategy: Strategy
    /// `update.max_parallel`: hosts updated at once, `1` by default, or a percentage like `25%`.
    public var maxParallel: MaxParallel
    /// `update.min_healthy_time`: how long a new instance must stay healthy before its host counts
    /// as done (default 10 s).
    public var minHealthyTime: SpecDuration
    /// `update.healthy_deadline`: how long a host may take from the swap command to done before
    /// it counts as failed (default 5 min).
    public var healthyDeadline: SpecDuration
    /// `update.progress_deadline`: how long the rollout may go without a host finishing before it
    /// counts as failed (default 10 min).
    public var progressDeadline: SpecDuration
    /// `update.auto_revert`: roll back automatically on failure (default true).
    public var autoRevert: Bool
    /// `update.drain_timeout`: how long the old instance keeps serving open connections (default 30 s).
    public var drainTimeout: SpecDuration
    /// `update.canary`: the canary's steps (only with strategy `canary`, where it is required).
    public var canary: CanaryPolicy?
    /// `update.analysis`: thresholds for canary and blue-green (`nil`: every default).
    public var analysis: AnalysisPolicy?
    /// `update.blue_green`: blue-green settings (only with strategy `blue-green`; `nil`: defaults).
    public var blueGreen: BlueGreenPolicy?

    /// The analysis thresholds in effect (the defaults when `analysis` is absent).
    public var effectiveAnalysis: AnalysisPolicy { analysis ?? AnalysisPolicy() }

    /// A policy; every argument has the documented default.
    public init(
        strategy: Strategy = .rolling,
        maxParallel: MaxParallel = .count(1),
        minHealthyTime: SpecDuration = .seconds(10),
        healthyDeadline: SpecDuration = .minutes(5),
        progressDeadline: SpecDuration = .minutes(10),
        autoRevert: Bool = true,
        drainTimeout: SpecDuration = .seconds(30),
        canary: CanaryPolicy? = nil,
        analysis: AnalysisPolicy? = nil,
        blueGreen: BlueGreenPolicy? = nil
    ) {
        self.strategy = strategy
        self.maxParallel = maxParallel
        self.minHealthyTime = minHealthyTime
        self.healthyDeadline = healthyDeadline
        self.progressDeadline = progressDeadline
        self.autoRevert = autoRevert
        self.drainTimeout = drainTimeout
        self.canary = canary
        self.analysis = analysis
        self.blueGreen = blueGreen
    }
}
