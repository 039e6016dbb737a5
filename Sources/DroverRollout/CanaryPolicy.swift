/// The spec's `update.canary` block: the steps a canary rollout walks through, after Argo
/// Rollouts' `setWeight`/`pause` steps.
///
/// ```yaml
/// canary:
///   steps:
///     - {weight: 5, pause: 2m, hosts: 10%}
///     - {weight: 50, pause: manual}
///   auto_promote: true
///   stickiness: {cookie: drover_canary}
///   allowlist: [alice, 10.0.0.7]
/// ```
public struct CanaryPolicy: Codable, Sendable, Equatable {
    /// `steps`: at least one, weights and host shares non-decreasing.
    public var steps: [CanaryStep]
    /// `auto_promote`: promote every host after the last step passes (default true); `false`
    /// waits for an operator's promote.
    public var autoPromote: Bool
    /// `stickiness`: how the agent's proxy keeps a client on one version (optional).
    public var stickiness: CanaryStickiness?
    /// `allowlist`: sticky keys always routed to the canary (optional).
    public var allowlist: [String]

    /// A policy; `autoPromote` defaults to true.
    public init(
        steps: [CanaryStep], autoPromote: Bool = true, stickiness: CanaryStickiness? = nil, allowlist: [String] = []
    ) {
        self.steps = steps
        self.autoPromote = autoPromote
        self.stickiness = stickiness
        self.allowlist = allowlist
    }
}

/// One canary step: give the canary `weight` of the traffic on `hosts`, then pause and judge.
public struct CanaryStep: Codable, Sendable, Equatable {
    /// How long a step lasts once its weight is in effect on all its hosts.
    public enum Pause: Codable, Sendable, Equatable, CustomStringConvertible {
        /// Judge at the end of this time and go on when analysis passes.
        case duration(SpecDuration)
        /// Wait for an operator's resume or promote.
        case manual

        /// `2m` or `manual`.
        public var description: String {
            switch self {
            case .duration(let duration): duration.description
            case .manual: "manual"
            }
        }
    }

    /// `weight`: the canary's share of each step host's traffic in basis points (1…10000;
    /// the YAML gives percent with 0.01 granularity, e.g. `0.5`).
    public var weightBP: Int
    /// `pause`: a duration or `manual`.
    public var pause: Pause
    /// `hosts`: how many of the selected hosts carry the canary from this step on (default 100%).
    public var hosts: HostShare

    /// A step.
    public init(weightBP: Int, pause: Pause, hosts: HostShare = .percent(100)) {
        self.weightBP = weightBP
        self.pause = pause
        self.hosts = hosts
    }
}

/// A number of hosts, or a share of the target hosts.
public enum HostShare: Codable, Sendable, Equatable, CustomStringConvertible {
    /// This many hosts (capped at the number of target hosts).
    case count(Int)
    /// This percentage of the target hosts, rounded up, at least one.
    case percent(Int)

    /// Parses `3` or `10%`; `nil` for anything else.
    public init?(parsing text: String) {
        guard let parsed = UpdatePolicy.MaxParallel(parsing: text) else { return nil }
        switch parsed {
        case .count(let count): self = .count(count)
        case .percent(let percent): self = .percent(percent)
        }
    }

    /// The number of hosts out of `hostCount` (between 1 and `hostCount` when there are hosts).
    public func resolved(hostCount: Int) -> Int {
        guard hostCount > 0 else { return 0 }
        switch self {
        case .count(let count): return min(hostCount, max(1, count))
        case .percent(let percent): return min(hostCount, max(1, (hostCount * percent + 99) / 100))
        }
    }

    /// `3` or `10%`.
    public var description: String {
        switch self {
        case .count(let count): "\(count)"
        case .percent(let percent): "\(percent)%"
        }
    }
}

/// How the agent's proxy keeps one client on one version during a canary.
public enum CanaryStickiness: Codable, Sendable, Equatable {
    /// By a cookie of this name (set by the proxy on the first response).
    case cookie(String)
    /// By the value of this request header (e.g. a user id).
    case header(String)
    /// By the client's address.
    case clientAddress
}
