import DroverProxy
import DroverRollout
import Testing

@Suite("Latency buckets match the proxy")
struct LatencyBucketsProxyTests {
    @Test("quantiles over LatencyBuckets equal the proxy's LatencyHistogram on the same values")
    func sameQuantiles() {
        // Values across every range: single-value buckets, each power of two, and the top cap.
        var values: [UInt64] = Array(0..<40) + [63, 64, 65, 127, 128, 1_000, 4_095, 4_096, 65_537, 500_000]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            values.append(x % (1 << UInt64(1 + x % 38)))
        }
        for count in [50, 400, values.count] {
            var proxy = LatencyHistogram()
            var sparse: [Int: UInt64] = [:]
            for value in values.prefix(count) {
                proxy.record(microseconds: value)
                sparse[LatencyBuckets.index(of: value), default: 0] += 1
            }
            for q in [0.01, 0.25, 0.5, 0.9, 0.95, 0.99] {
                // The proxy caps at its largest value; that only matters in the top bucket.
                let ours = LatencyBuckets.quantile(q, of: sparse)
                #expect(proxy.quantile(q) == min(ours, Double(proxy.maxMicroseconds)), "q \(q) over \(count) values")
            }
        }
    }
}
