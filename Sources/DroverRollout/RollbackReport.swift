/// The "why" of a rollback: which host, which signal, what was observed against which
/// threshold, and what was done about it, with the rollback's timing.
public struct RollbackReport: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The signal that triggered the rollback.
    public enum Signal: String, Codable, Sendable, Equatable {
        /// A new instance failed its health checks.
        case unhealthy
        /// The agent could not carry out the swap.
        case swapFailed
        /// A host was not healthy for `min_healthy_time` within `healthy_deadline`.
        case healthyDeadline
        /// No host finished within `progress_deadline`.
        case progressDeadline
        /// A host was lost while being swapped.
        case hostLost
        /// An operator asked for it.
        case manual
        /// Canary analysis failed (the observed text names the signal: error rate, p95 latency, …).
        case analysis
        /// An operator aborted a canary or blue-green rollout: the new version is removed.
        case operatorAbort
    }

    /// The host that tripped the signal, if one did.
    public var host: String?
    /// The signal.
    public var signal: Signal
    /// What was observed, e.g. `3 failed checks: HTTP 500`.
    public var observed: String
    /// The threshold it crossed, e.g. `health.unhealthy_threshold 3`.
    public var threshold: String
    /// What was done, e.g. `reverted 2 hosts to v1 in parallel; skipped 8 untouched hosts`.
    public var action: String
    /// The version the hosts were sent back to.
    public var targetVersion: String
    /// Hosts sent back, in plan order.
    public var revertedHosts: [String]
    /// Hosts never touched by this rollout and left alone.
    public var skippedHosts: [String]
    /// When the rollback began (wall-clock milliseconds).
    public var startedAt: Int64
    /// When it ended, if it has.
    public var finishedAt: Int64?

    /// A report for a rollback that begins at `startedAt`.
    public init(
        host: String?, signal: Signal, observed: String, threshold: String, action: String,
        targetVersion: String, revertedHosts: [String] = [], skippedHosts: [String] = [], startedAt: Int64,
        finishedAt: Int64? = nil
    ) {
        self.host = host
        self.signal = signal
        self.observed = observed
        self.threshold = threshold
        self.action = action
        self.targetVersion = targetVersion
        self.revertedHosts = revertedHosts
        self.skippedHosts = skippedHosts
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// How long the rollback took, once it has ended.
    public var durationMilliseconds: Int64? {
        finishedAt.map { $0 - startedAt }
    }

    /// One line: `host web-2: unhealthy (observed …, threshold …): reverted … in 4s`.
    public var description: String {
        let subject = host.map { "host \($0)" } ?? "rollout"
        let took = durationMilliseconds.map { " in \(SpecDuration(milliseconds: $0))" } ?? ""
        return "\(subject): \(signal.rawValue) (observed \(observed); threshold \(threshold)): \(action)\(took)"
    }
}
