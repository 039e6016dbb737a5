import DroverRollout
import Testing

/// Counters with `requests` requests, `errors` errors, all at `latencyMicroseconds`.
func counters(_ requests: UInt64, errors: UInt64 = 0, latencyMicroseconds: UInt64 = 20_000) -> TrafficCounters {
    TrafficCounters(
        requests: requests, errors: errors,
        latency: requests == 0 ? [:] : [LatencyBuckets.index(of: latencyMicroseconds): requests],
        latencySumMicroseconds: requests * latencyMicroseconds)
}

@Suite("Canary analysis")
struct CanaryAnalysisTests {
    let analysis = CanaryAnalysis(policy: AnalysisPolicy(), canaryVersion: "v2", stableVersion: "v1")

    func judge(
        canary: TrafficCounters, stable: TrafficCounters = counters(0), policy: AnalysisPolicy = AnalysisPolicy(),
        start: [String: HostTrafficSample] = [:], cpu: Int? = nil
    ) -> AnalysisResult {
        var analysis = self.analysis
        analysis.policy = policy
        let end = ["h1": HostTrafficSample(versions: ["v2": canary, "v1": stable], cpuBP: cpu)]
        return analysis.judge(start: start, end: end, canaryHosts: ["h1"])
    }

    @Test("the bucket layout is the proxy's: one bucket per value under 32 µs, then 32 per power of two")
    func buckets() {
        #expect(LatencyBuckets.index(of: 0) == 0 && LatencyBuckets.index(of: 31) == 31)
        #expect(LatencyBuckets.index(of: 32) == 32 && LatencyBuckets.index(of: 63) == 63)
        #expect(
            LatencyBuckets.index(of: 64) == 64 && LatencyBuckets.index(of: 65) == 64
                && LatencyBuckets.index(of: 66) == 65)
        #expect(LatencyBuckets.index(of: 1 << 40) == 36 * 32)
        #expect(LatencyBuckets.index(of: UInt64.max) == LatencyBuckets.count - 1)
        for value: UInt64 in [0, 1, 31, 32, 33, 63, 64, 100, 1_000, 4_095, 4_096, 500_000, 123_456_789, 1 << 39] {
            let index = LatencyBuckets.index(of: value)
            #expect(LatencyBuckets.lowerBound(of: index) <= value)
            #expect(index + 1 >= LatencyBuckets.count || LatencyBuckets.lowerBound(of: index + 1) > value)
        }
        for index in 0..<(LatencyBuckets.count - 1) {
            #expect(LatencyBuckets.index(of: LatencyBuckets.lowerBound(of: index)) == index)
        }
        // p95 of 100 values 1…100 ms lands in 95 ms's bucket (3 % resolution).
        var histogram: [Int: UInt64] = [:]
        for ms in 1...100 { histogram[LatencyBuckets.index(of: UInt64(ms) * 1_000), default: 0] += 1 }
        let p95 = LatencyBuckets.quantile(0.95, of: histogram)
        #expect(abs(p95 - 95_000) < 95_000 * 0.04)
        #expect(LatencyBuckets.quantile(0.95, of: [:]) == 0)
    }

    @Test("enough good traffic passes, and the canary share is measured")
    func pass() {
        let result = judge(canary: counters(1_000, errors: 5), stable: counters(9_000))
        #expect(result.verdict == .pass)
        #expect(result.canaryShareBP == 1_000)
        #expect(result.canaryRequests == 1_000 && result.canaryErrors == 5)
    }

    @Test("an error rate over max_error_rate fails, naming the signal, observed value and threshold")
    func errors() {
        guard case .fail(let failure) = judge(canary: counters(1_000, errors: 50)).verdict else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.signal == "error rate")
        #expect(failure.observed == "error rate 5% (50 of 1000 requests)")
        #expect(failure.threshold == "update.analysis.max_error_rate 1%")
        #expect(failure.hosts == ["h1"])
    }

    @Test("a p95 over max_p95 fails")
    func latency() {
        guard case .fail(let failure) = judge(canary: counters(500, latencyMicroseconds: 800_000)).verdict else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.signal == "p95 latency")
        #expect(failure.threshold == "update.analysis.max_p95 500ms")
        #expect(failure.observed == "p95 latency 795ms over 500 requests")
    }

    @Test("too few canary requests is inconclusive, never a pass, even when all is well or all is bad")
    func inconclusive() {
        for canary in [counters(99), counters(0), counters(50, errors: 50)] {
            guard case .inconclusive(let reason) = judge(canary: canary).verdict else {
                Issue.record("expected inconclusive for \(canary)")
                continue
            }
            #expect(reason.contains("min_requests 100"))
        }
    }

    @Test("vs stable: error-rate increase and p95 ratio, only when stable has enough requests")
    func versusStable() {
        let policy = AnalysisPolicy(maxErrorRateIncreaseBP: 20, maxP95Ratio: 1.5)
        // 0.8 % canary vs 0.1 % stable: within max_error_rate 1 %, but +0.7 points.
        let worse = judge(canary: counters(1_000, errors: 8), stable: counters(1_000, errors: 1), policy: policy)
        guard case .fail(let failure) = worse.verdict else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.signal == "error rate vs stable")
        #expect(failure.threshold == "update.analysis.max_error_rate_increase 0.2%")
        let slower = judge(
            canary: counters(1_000, latencyMicroseconds: 200_000),
            stable: counters(1_000, latencyMicroseconds: 100_000),
            policy: policy)
        if case .fail(let failure) = slower.verdict {
            #expect(failure.signal == "p95 latency vs stable")
        } else {
            Issue.record("expected a p95-ratio failure")
        }
        // Too little stable traffic: no comparison.
        let thinStable = judge(canary: counters(1_000, errors: 8), stable: counters(10), policy: policy)
        #expect(thinStable.verdict == .pass)
    }

    @Test("a counter that went down means the proxy restarted: the window counts from zero")
    func counterReset() {
        let start = ["h1": HostTrafficSample(versions: ["v2": counters(50_000, errors: 10)])]
        // After a restart the proxy reports 200 requests and 20 errors since it came back.
        let result = judge(canary: counters(200, errors: 20), start: start)
        #expect(result.canaryRequests == 200 && result.canaryErrors == 20)
        if case .fail(let failure) = result.verdict {
            #expect(failure.signal == "error rate")
        } else {
            Issue.record("expected the reset window's 10 % to fail")
        }
        // Without a reset the window is the difference.
        let grown = judge(canary: counters(50_300, errors: 10), start: start)
        #expect(grown.canaryRequests == 300 && grown.canaryErrors == 0 && grown.verdict == .pass)
    }

    @Test("the CPU gate fails when the canary hosts' mean CPU is over max_cpu")
    func cpuGate() {
        let policy = AnalysisPolicy(maxCPUBP: 8_500)
        guard case .fail(let failure) = judge(canary: counters(1_000), policy: policy, cpu: 9_200).verdict else {
            Issue.record("expected a CPU failure")
            return
        }
        #expect(failure.signal == "CPU")
        #expect(failure.observed == "canary hosts' mean CPU 92%")
        #expect(judge(canary: counters(1_000), policy: policy, cpu: 5_000).verdict == .pass)
    }
}
