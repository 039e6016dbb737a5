/// Judges a new version's traffic in one window against `update.analysis` (pure).
///
/// Inputs are the per-host cumulative counters at the window's start and now; each host's
/// window is their difference (a counter that went down means the proxy restarted: counted
/// from zero). Rules, in order: too few canary requests → inconclusive (never a pass); error
/// rate, p95, then the vs-stable comparisons (when configured and stable has enough
/// requests), then the host CPU and memory gates (when configured).
public struct CanaryAnalysis: Sendable, Equatable {
    /// The thresholds.
    public var policy: AnalysisPolicy
    /// The version under test.
    public var canaryVersion: String
    /// The version it is compared with.
    public var stableVersion: String

    /// An analysis of `canaryVersion` against `stableVersion`.
    public init(policy: AnalysisPolicy, canaryVersion: String, stableVersion: String) {
        self.policy = policy
        self.canaryVersion = canaryVersion
        self.stableVersion = stableVersion
    }

    /// Judges the window from `start` to `end` on `canaryHosts`; hosts in `end` outside
    /// `canaryHosts` count only for the CPU/memory comparison and the traffic share.
    public func judge(
        start: [String: HostTrafficSample], end: [String: HostTrafficSample], canaryHosts: [String]
    ) -> AnalysisResult {
        var canary = TrafficCounters.zero
        var stable = TrafficCounters.zero
        var all: UInt64 = 0
        var perHostCanary: [(host: String, window: TrafficCounters)] = []
        let canarySet = Set(canaryHosts)
        for (host, sample) in end.sorted(by: { $0.key < $1.key }) {
            let before = start[host]
            for (version, counters) in sample.versions {
                let window = counters.since(before?.versions[version] ?? .zero)
                all = all.saturatingAdd(window.requests)
                guard canarySet.contains(host) else { continue }
                if version == canaryVersion {
                    canary = canary + window
                    perHostCanary.append((host, window))
                } else if version == stableVersion {
                    stable = stable + window
                }
            }
        }
        var result = AnalysisResult(
            verdict: .pass, canaryRequests: canary.requests, canaryErrors: canary.errors,
            canaryP95Microseconds: canary.latencyQuantile(0.95), stableRequests: stable.requests,
            stableErrors: stable.errors, stableP95Microseconds: stable.latencyQuantile(0.95),
            canaryShareBP: all == 0 ? nil : BasisPoints.ratio(canary.requests, of: all))
        result.verdict = verdict(
            canary: canary, stable: stable, perHost: perHostCanary,
            resources: resourceShares(end: end, canaryHosts: canarySet))
        return result
    }

    private func verdict(
        canary: TrafficCounters, stable: TrafficCounters, perHost: [(host: String, window: TrafficCounters)],
        resources: (cpu: Int?, memory: Int?, otherCPU: Int?, otherMemory: Int?)
    ) -> AnalysisVerdict {
        let block = "update.analysis"
        guard canary.requests >= UInt64(policy.minRequests) else {
            return .inconclusive(
                "\(canary.requests) canary request\(canary.requests == 1 ? "" : "s") in the window, fewer than \(block).min_requests \(policy.minRequests)"
            )
        }
        let worst = { (rank: (TrafficCounters) -> Double) in
            perHost.filter { $0.window.requests > 0 }.sorted { rank($0.window) > rank($1.window) }.map(\.host)
        }
        let rate = canary.errorRateBP
        if rate > policy.maxErrorRateBP {
            return .fail(
                AnalysisFailure(
                    signal: "error rate",
                    observed: "error rate \(BasisPoints.text(rate)) (\(canary.errors) of \(canary.requests) requests)",
                    threshold: "\(block).max_error_rate \(BasisPoints.text(policy.maxErrorRateBP))",
                    hosts: worst { Double($0.errorRateBP) }))
        }
        let p95 = canary.latencyQuantile(0.95)
        if p95 > Double(policy.maxP95.milliseconds) * 1_000 {
            return .fail(
                AnalysisFailure(
                    signal: "p95 latency",
                    observed: "p95 latency \(Self.latencyText(p95)) over \(canary.requests) requests",
                    threshold: "\(block).max_p95 \(policy.maxP95)", hosts: worst { $0.latencyQuantile(0.95) }))
        }
        if stable.requests >= UInt64(policy.minRequests) {
            if let increase = policy.maxErrorRateIncreaseBP, rate - stable.errorRateBP > increase {
                return .fail(
                    AnalysisFailure(
                        signal: "error rate vs stable",
                        observed:
                            "error rate \(BasisPoints.text(rate)) vs stable \(BasisPoints.text(stable.errorRateBP)) (+\(BasisPoints.text(rate - stable.errorRateBP)))",
                        threshold: "\(block).max_error_rate_increase \(BasisPoints.text(increase))",
                        hosts: worst { Double($0.errorRateBP) }))
            }
            let stableP95 = stable.latencyQuantile(0.95)
            if let ratio = policy.maxP95Ratio, stableP95 > 0, p95 / stableP95 > ratio {
                let observed = (p95 / stableP95 * 100).rounded() / 100
                return .fail(
                    AnalysisFailure(
                        signal: "p95 latency vs stable",
                        observed:
                            "p95 \(Self.latencyText(p95)) vs stable \(Self.latencyText(stableP95)) (×\(observed))",
                        threshold: "\(block).max_p95_ratio \(ratio)", hosts: worst { $0.latencyQuantile(0.95) }))
            }
        }
        for (name, key, limit, mean, other) in [
            ("CPU", "max_cpu", policy.maxCPUBP, resources.cpu, resources.otherCPU),
            ("memory", "max_memory", policy.maxMemoryBP, resources.memory, resources.otherMemory),
        ] {
            guard let limit, let mean, mean > limit else { continue }
            let context = other.map { " (other hosts \(BasisPoints.text($0)))" } ?? ""
            return .fail(
                AnalysisFailure(
                    signal: name, observed: "canary hosts' mean \(name) \(BasisPoints.text(mean))\(context)",
                    threshold: "\(block).\(key) \(BasisPoints.text(limit))", hosts: perHost.map(\.host)))
        }
        return .pass
    }

    /// Mean CPU and memory shares of the canary hosts and of the others (when reported).
    private func resourceShares(
        end: [String: HostTrafficSample], canaryHosts: Set<String>
    ) -> (cpu: Int?, memory: Int?, otherCPU: Int?, otherMemory: Int?) {
        func mean(_ values: [Int]) -> Int? { values.isEmpty ? nil : values.reduce(0, +) / values.count }
        let canary = end.filter { canaryHosts.contains($0.key) }.values
        let others = end.filter { !canaryHosts.contains($0.key) }.values
        return (
            mean(canary.compactMap(\.cpuBP)), mean(canary.compactMap(\.memoryBP)), mean(others.compactMap(\.cpuBP)),
            mean(others.compactMap(\.memoryBP))
        )
    }

    /// `742ms` or `850µs`.
    static func latencyText(_ microseconds: Double) -> String {
        microseconds >= 1_000 ? "\(Int((microseconds / 1_000).rounded()))ms" : "\(Int(microseconds.rounded()))µs"
    }
}

/// One window's numbers and verdict (kept per step for `drover rollout status`).
public struct AnalysisResult: Codable, Sendable, Equatable {
    /// The verdict.
    public var verdict: AnalysisVerdict
    /// Canary requests in the window, over the canary hosts.
    public var canaryRequests: UInt64
    /// Canary errors in the window.
    public var canaryErrors: UInt64
    /// Canary p95 latency (µs).
    public var canaryP95Microseconds: Double
    /// Stable requests in the window on the canary hosts.
    public var stableRequests: UInt64
    /// Stable errors in the window on the canary hosts.
    public var stableErrors: UInt64
    /// Stable p95 latency (µs).
    public var stableP95Microseconds: Double
    /// Canary requests / all requests of the service in the window (basis points), for display.
    public var canaryShareBP: Int?
}

/// What a window says about the new version.
public enum AnalysisVerdict: Codable, Sendable, Equatable {
    /// Every configured check passed with enough traffic.
    case pass
    /// A check failed.
    case fail(AnalysisFailure)
    /// Not enough evidence (too few requests); never a pass.
    case inconclusive(String)
}

/// A failed check: the signal, what was observed, the threshold and the worst hosts first.
public struct AnalysisFailure: Codable, Sendable, Equatable {
    /// `error rate`, `p95 latency`, `error rate vs stable`, `p95 latency vs stable`, `CPU`, `memory`.
    public var signal: String
    /// E.g. `error rate 5% (50 of 1000 requests)`.
    public var observed: String
    /// E.g. `update.analysis.max_error_rate 1%`.
    public var threshold: String
    /// The canary hosts involved, worst first.
    public var hosts: [String]
}
