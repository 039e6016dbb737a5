import Testing

@testable import DroverProxy

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

    /// Exported non-zero buckets rebuild the same histogram: counts, sum and quantiles.
    @Test func exportedBucketsRoundTrip() throws {
        var histogram = LatencyHistogram()
        var random = SplitMix64(seed: 7)
        for _ in 0..<5_000 { histogram.record(microseconds: 50 + random.next() % 200_000) }
        for value: UInt64 in [0, 3, 31, 32, 1_000_000] { histogram.record(microseconds: value) }
        let buckets = histogram.nonZeroBuckets
        #expect(buckets.map(\.index) == buckets.map(\.index).sorted())
        #expect(buckets.allSatisfy { $0.count > 0 })
        #expect(buckets.reduce(0) { $0 + $1.count } == histogram.count)
        let rebuilt = try #require(LatencyHistogram(buckets: buckets, sumMicroseconds: histogram.sumMicroseconds))
        #expect(rebuilt.count == histogram.count)
        #expect(rebuilt.sumMicroseconds == histogram.sumMicroseconds)
        #expect(rebuilt.nonZeroBuckets.map(\.index) == buckets.map(\.index))
        #expect(rebuilt.nonZeroBuckets.map(\.count) == buckets.map(\.count))
        for quantile in [0.01, 0.25, 0.5, 0.9, 0.95, 0.99] {
            #expect(rebuilt.quantile(quantile) == histogram.quantile(quantile), "q\(quantile)")
        }
        #expect(rebuilt.maxMicroseconds >= histogram.maxMicroseconds)
        #expect(LatencyHistogram(buckets: [(index: 1_184, count: 1)], sumMicroseconds: 0) == nil)
        #expect(LatencyHistogram(buckets: [(index: 3, count: 1), (index: 3, count: 2)], sumMicroseconds: 0) == nil)
    }

    /// The bucket layout Protocol/README.md §7.3.1 documents for other implementations.
    @Test func bucketLayoutMatchesTheSpec() {
        let expected: [(UInt64, Int)] = [
            (5, 5), (31, 31), (32, 32), (1_000, 190), (1_024, 192), (1_055, 192), (1_056, 193),
        ]
        for (value, index) in expected {
            #expect(LatencyHistogram.bucketIndex(value) == index, "\(value) µs")
        }
        #expect(LatencyHistogram.bucketIndex(1 << 50) == 1_183)
        #expect(LatencyHistogram.lowerBound(ofBucket: 192) == 1_024)
        #expect(LatencyHistogram.lowerBound(ofBucket: 193) == 1_056)
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
