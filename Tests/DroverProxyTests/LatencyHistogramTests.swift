@testable import DroverProxy
import Testing

/// Log-linear histogram: percentiles of known values, merging and deltas.
@Suite struct LatencyHistogramTests {
    @Test func percentilesOfKnownValuesWithinThreePercent() {
        var histogram = LatencyHistogram()
        for value in 1...10_000 { histogram.record(microseconds: UInt64(value * 10)) }  // 10 µs … 100 ms
        #expect(histogram.count == 10_000)
        for (quantile, exact) in [(0.5, 50_000.0), (0.95, 95_000.0), (0.99, 99_000.0)] {
            let value = histogram.quantile(quantile)
            #expect(abs(value - exact) / exact < 0.03, "q\(quantile) = \(value), exact \(exact)")
        }
        #expect(histogram.maxMicroseconds == 100_000)
        #expect(LatencyHistogram().p99 == 0)
    }

    @Test func smallValuesAreExact() {
        var histogram = LatencyHistogram()
        for value: UInt64 in [3, 3, 7, 20] { histogram.record(microseconds: value) }
        #expect(histogram.p50 == 3)
        #expect(histogram.p99 == 20)
    }

    @Test func addAndSubtract() {
        var early = LatencyHistogram()
        for _ in 0..<100 { early.record(microseconds: 100) }
        var total = early
        var late = LatencyHistogram()
        for _ in 0..<50 { late.record(microseconds: 5_000) }
        total.add(late)
        #expect(total.count == 150)
        let delta = total.subtracting(early)
        #expect(delta.count == 50)
        #expect(abs(delta.p50 - 5_000) / 5_000 < 0.03)
        #expect(delta.sumMicroseconds == 250_000)
    }

    @Test func statsMergeShardsAndReportDeltas() {
        let stats = VersionStats(shardCount: 2)
        stats.shards[0].record(version: "v1") {
            $0.requests += 2
            $0.latency.record(microseconds: 100)
        }
        stats.shards[1].record(version: "v1") {
            $0.requests += 3
            $0.errors += 1
        }
        stats.shards[1].record(version: "v2") { $0.requests += 1 }
        let snapshot = stats.snapshot()
        #expect(snapshot["v1"]?.requests == 5)
        #expect(snapshot["v1"]?.errors == 1)
        #expect(snapshot["v1"]?.latency.count == 1)
        #expect(snapshot["v2"]?.requests == 1)
        #expect(stats.delta()["v1"]?.requests == 5)
        stats.shards[0].record(version: "v1") { $0.requests += 1 }
        let delta = stats.delta()
        #expect(delta["v1"]?.requests == 1)
        #expect(delta["v1"]?.errors == 0)
        #expect(delta["v2"] == nil)
        #expect(stats.delta().isEmpty)
        #expect(stats.snapshot()["v1"]?.requests == 6)
    }
}
