/// A log-linear histogram of latencies in microseconds (HdrHistogram-style, ~3 % resolution).
///
/// Values below 32 µs get a bucket each; above, every power of two is split into 32 equal
/// buckets. Fixed size, no allocation per value, and histograms add and subtract exactly, so
/// per-event-loop shards merge on read and deltas between reports are exact.
public struct LatencyHistogram: Sendable, Hashable {
    /// Sub-buckets per power of two (2^5 = 32, i.e. at most 1/32 ≈ 3 % relative error).
    static let subBits = 5
    static let subCount = 1 << subBits
    /// Values up to 2^40 µs (about 12 days) are kept apart; larger ones share the last bucket.
    static let maxExponent = 40
    static let bucketCount = (maxExponent - subBits + 2) * subCount

    /// Count per bucket.
    private(set) var counts: [UInt64]
    /// Number of values recorded.
    public private(set) var count: UInt64 = 0
    /// Sum of the values recorded, in microseconds.
    public private(set) var sumMicroseconds: UInt64 = 0
    /// Largest value recorded, in microseconds.
    public private(set) var maxMicroseconds: UInt64 = 0

    /// An empty histogram.
    public init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
    }

    /// A histogram rebuilt from exported buckets (``nonZeroBuckets`` and ``sumMicroseconds`` of
    /// another one, e.g. from a host report): counts and quantiles are those of the original;
    /// the maximum is the upper bound of the highest non-empty bucket. `nil` when an index is
    /// outside `0..<1184` or repeats.
    public init?(buckets: [(index: Int, count: UInt64)], sumMicroseconds: UInt64) {
        self.init()
        var seen = Set<Int>()
        for (index, bucketCount) in buckets {
            guard (0..<Self.bucketCount).contains(index), seen.insert(index).inserted else { return nil }
            guard bucketCount > 0 else { continue }
            counts[index] = bucketCount
            count &+= bucketCount
            let upper = index + 1 < Self.bucketCount ? Self.lowerBound(ofBucket: index + 1) - 1 : UInt64.max
            maxMicroseconds = max(maxMicroseconds, upper)
        }
        self.sumMicroseconds = sumMicroseconds
    }

    /// The buckets holding at least one value, index ascending, for export (Protocol/README.md
    /// §7.3.1 gives the layout: index `v` for `v` < 32 µs, then 32 buckets per power of two).
    public var nonZeroBuckets: [(index: Int, count: UInt64)] {
        counts.indices.compactMap { index in counts[index] > 0 ? (index, counts[index]) : nil }
    }

    /// Records one latency.
    public mutating func record(microseconds value: UInt64) {
        counts[Self.bucketIndex(value)] &+= 1
        count &+= 1
        sumMicroseconds &+= value
        maxMicroseconds = max(maxMicroseconds, value)
    }

    /// The bucket a value falls in.
    static func bucketIndex(_ value: UInt64) -> Int {
        if value < UInt64(subCount) { return Int(value) }
        let exponent = min(63 - value.leadingZeroBitCount, maxExponent)
        let shifted = value >> UInt64(exponent - subBits)
        let sub = Int(min(shifted, UInt64(2 * subCount - 1))) - subCount
        return (exponent - subBits + 1) * subCount + sub
    }

    /// The smallest value of a bucket.
    static func lowerBound(ofBucket index: Int) -> UInt64 {
        if index < subCount { return UInt64(index) }
        let exponent = index / subCount + subBits - 1
        let sub = index % subCount
        return UInt64(subCount + sub) << UInt64(exponent - subBits)
    }

    /// The value at a quantile (0…1), in microseconds: the middle of the bucket holding that
    /// rank, capped by the largest value seen; 0 when empty.
    public func quantile(_ q: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = max(1, UInt64((q * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            seen += bucketCount
            if seen >= rank {
                let low = Self.lowerBound(ofBucket: index)
                let high = index + 1 < Self.bucketCount ? Self.lowerBound(ofBucket: index + 1) : low + 1
                let middle = Double(low) + Double(high - low - 1) / 2
                return min(middle, Double(maxMicroseconds))
            }
        }
        return Double(maxMicroseconds)
    }

    /// Median latency in microseconds.
    public var p50: Double { quantile(0.50) }
    /// 95th percentile in microseconds.
    public var p95: Double { quantile(0.95) }
    /// 99th percentile in microseconds.
    public var p99: Double { quantile(0.99) }

    /// Adds another histogram's values into this one.
    public mutating func add(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        count &+= other.count
        sumMicroseconds &+= other.sumMicroseconds
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
    }

    /// The values recorded since `earlier` (an older copy of this histogram).
    ///
    /// The maximum cannot be subtracted; the delta keeps the upper bound of its highest bucket.
    public func subtracting(_ earlier: LatencyHistogram) -> LatencyHistogram {
        var delta = LatencyHistogram()
        for index in counts.indices {
            let value = counts[index] &- earlier.counts[index]
            delta.counts[index] = value
            if value > 0 {
                let upper = index + 1 < Self.bucketCount ? Self.lowerBound(ofBucket: index + 1) - 1 : maxMicroseconds
                delta.maxMicroseconds = min(upper, maxMicroseconds)
            }
        }
        delta.count = count &- earlier.count
        delta.sumMicroseconds = sumMicroseconds &- earlier.sumMicroseconds
        return delta
    }
}
