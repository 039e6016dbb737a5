/// One version's traffic on one host as the agent's proxy reports it: counters **cumulative**
/// since the proxy started, so a lost report loses nothing and a window is a difference.
///
/// The latency histogram has ``LatencyBuckets``' layout (the proxy's own), sent sparsely:
/// only non-empty buckets, by index.
public struct TrafficCounters: Codable, Sendable, Equatable {
    /// Requests answered (or failed) so far.
    public var requests: UInt64
    /// Of those, errors: 5xx responses and failed connections.
    public var errors: UInt64
    /// Latency histogram in microseconds: bucket index → count.
    public var latency: [Int: UInt64]
    /// Sum of all latencies in microseconds.
    public var latencySumMicroseconds: UInt64

    /// Counters as reported.
    public init(
        requests: UInt64 = 0, errors: UInt64 = 0, latency: [Int: UInt64] = [:], latencySumMicroseconds: UInt64 = 0
    ) {
        self.requests = requests
        self.errors = errors
        self.latency = latency
        self.latencySumMicroseconds = latencySumMicroseconds
    }

    /// No traffic.
    public static let zero = TrafficCounters()

    /// Whether these counters are lower than `earlier` anywhere: the proxy restarted in between
    /// and counts from zero again.
    public func isReset(since earlier: TrafficCounters) -> Bool {
        requests < earlier.requests || errors < earlier.errors
            || latencySumMicroseconds < earlier.latencySumMicroseconds
            || earlier.latency.contains { index, count in (latency[index] ?? 0) < count }
    }

    /// The traffic since `earlier`; after a reset, everything counted since the restart.
    public func since(_ earlier: TrafficCounters) -> TrafficCounters {
        guard !isReset(since: earlier) else { return self }
        var buckets: [Int: UInt64] = [:]
        for (index, count) in latency {
            let delta = count - (earlier.latency[index] ?? 0)
            if delta > 0 { buckets[index] = delta }
        }
        return TrafficCounters(
            requests: requests - earlier.requests, errors: errors - earlier.errors, latency: buckets,
            latencySumMicroseconds: latencySumMicroseconds - earlier.latencySumMicroseconds)
    }

    /// Both windows' traffic together (hosts summed); sums saturate at `UInt64.max`, so
    /// hostile counters cannot wrap a total below one of its parts.
    public static func + (lhs: TrafficCounters, rhs: TrafficCounters) -> TrafficCounters {
        TrafficCounters(
            requests: lhs.requests.saturatingAdd(rhs.requests), errors: lhs.errors.saturatingAdd(rhs.errors),
            latency: lhs.latency.merging(rhs.latency, uniquingKeysWith: { $0.saturatingAdd($1) }),
            latencySumMicroseconds: lhs.latencySumMicroseconds.saturatingAdd(rhs.latencySumMicroseconds))
    }

    /// The error rate in basis points, 0...10000 (0 with no requests; more errors than
    /// requests, which only a faulty or hostile host reports, count as 100 %).
    public var errorRateBP: Int {
        BasisPoints.ratio(errors, of: requests)
    }

    /// The latency at quantile `q` (0…1) in microseconds; 0 without samples.
    public func latencyQuantile(_ q: Double) -> Double {
        LatencyBuckets.quantile(q, of: latency)
    }
}

/// One host's report: per-version traffic counters and, optionally, host resource shares.
public struct HostTrafficSample: Codable, Sendable, Equatable {
    /// Version → cumulative counters on this host.
    public var versions: [String: TrafficCounters]
    /// The host's CPU use in basis points of its capacity, when known.
    public var cpuBP: Int?
    /// The host's memory use in basis points of its capacity, when known.
    public var memoryBP: Int?

    /// A sample.
    public init(versions: [String: TrafficCounters], cpuBP: Int? = nil, memoryBP: Int? = nil) {
        self.versions = versions
        self.cpuBP = cpuBP
        self.memoryBP = memoryBP
    }
}
