import Testing

@testable import DroverRollout

@Suite("Traffic counters: hostile values")
struct HostileCountersTests {
    @Test("sums saturate instead of wrapping below their parts")
    func sumsSaturate() {
        let big = TrafficCounters(requests: .max - 1, errors: .max, latency: [10: .max], latencySumMicroseconds: .max)
        let total = big + TrafficCounters(requests: 5, errors: 5, latency: [10: 5, 11: 1], latencySumMicroseconds: 5)
        #expect(total.requests == .max && total.errors == .max && total.latencySumMicroseconds == .max)
        #expect(total.latency == [10: .max, 11: 1])
    }

    @Test("the error rate is 0...10000 whatever the counters say")
    func errorRateIsClamped() {
        #expect(TrafficCounters(requests: 1, errors: .max).errorRateBP == 10_000)
        #expect(TrafficCounters(requests: .max, errors: .max).errorRateBP == 10_000)
        #expect(TrafficCounters(requests: .max, errors: 1).errorRateBP == 0)
        #expect(TrafficCounters(requests: 1_000, errors: 10).errorRateBP == 100)
        #expect(BasisPoints.ratio(.max, of: 1) == 10_000)
        #expect(BasisPoints.ratio(1, of: 0) == 0)
    }

    @Test("quantiles ignore buckets outside the layout and survive saturated counts and odd q")
    func quantileOfHostileBuckets() {
        let hostile: [Int: UInt64] = [-5: .max, 0: 1, 10: .max, 1_183: .max, 5_000: .max, Int.max: 3]
        for q in [0, 0.5, 0.95, 1, 2, -1, .nan, .infinity] {
            let value = LatencyBuckets.quantile(q, of: hostile)
            #expect(value.isFinite && value >= 0)
        }
        #expect(LatencyBuckets.quantile(1, of: [10: .max]) == LatencyBuckets.quantile(0.5, of: [10: 1]))
        #expect(LatencyBuckets.quantile(0.95, of: [-1: 5, 99_999: 5]) == 0)
        // Buckets 1 and UInt64.max summed wrap to 0 with &+: the quantile must see them all.
        #expect(LatencyBuckets.quantile(1, of: [1: 1, 2: .max]) == 2)
    }

    @Test("a canary share from hosts whose request counts overflow stays within 100 %")
    func canaryShareIsClamped() {
        let analysis = CanaryAnalysis(
            policy: AnalysisPolicy(), canaryVersion: "v2", stableVersion: "v1")
        let end = [
            "a": HostTrafficSample(versions: ["v2": TrafficCounters(requests: .max)], cpuBP: 10_000, memoryBP: 10_000),
            "b": HostTrafficSample(versions: ["v1": TrafficCounters(requests: .max)]),
        ]
        let result = analysis.judge(start: [:], end: end, canaryHosts: ["a"])
        // The total saturates at UInt64.max, as does the canary's part: 100 %, not a trap.
        #expect(result.canaryShareBP == 10_000)
        let half = analysis.judge(
            start: [:], end: ["a": end["a"]!, "b": HostTrafficSample(versions: ["v1": TrafficCounters(requests: 3)])],
            canaryHosts: ["a"])
        #expect(half.canaryShareBP == 10_000)
    }
}
