/// The layout of the proxy's log-linear latency histogram (values in microseconds), re-stated
/// here so DroverRollout reads reported buckets without depending on DroverProxy.
///
/// Values below 32 get a bucket each; above, each power of two `[2^e, 2^(e+1))` is split into
/// 32 equal buckets: `index(v) = (e - 5 + 1) × 32 + (v >> (e - 5)) - 32` with `e = ⌊log₂ v⌋`
/// capped at 40 (larger values share the last bucket). Tests pin it to the proxy's table.
public enum LatencyBuckets {
    static let subBits = 5
    static let subCount = 1 << subBits
    static let maxExponent = 40
    /// The number of buckets.
    public static let count = (maxExponent - subBits + 2) * subCount

    /// The bucket a value (µs) falls in.
    public static func index(of value: UInt64) -> Int {
        if value < UInt64(subCount) { return Int(value) }
        let exponent = min(63 - value.leadingZeroBitCount, maxExponent)
        let shifted = min(value >> UInt64(exponent - subBits), UInt64(2 * subCount - 1))
        return (exponent - subBits + 1) * subCount + Int(shifted) - subCount
    }

    /// The smallest value (µs) of bucket `index`.
    public static func lowerBound(of index: Int) -> UInt64 {
        if index < subCount { return UInt64(max(index, 0)) }
        let shift = index / subCount - 1
        return UInt64(subCount + index % subCount) << UInt64(shift)
    }

    /// The value (µs) at quantile `q` of a sparse histogram: the middle of the bucket holding
    /// that rank (as the proxy reports it); 0 when empty.
    ///
    /// Buckets outside `0..<count` are ignored and sums saturate, so counts a host reported
    /// cannot trap (a NaN `q` counts as 0).
    public static func quantile(_ q: Double, of buckets: [Int: UInt64]) -> Double {
        let valid = buckets.filter { (0..<count).contains($0.key) }
        let total = valid.values.reduce(UInt64(0)) { $0.saturatingAdd($1) }
        guard total > 0 else { return 0 }
        let share = q.isNaN ? 0 : min(max(q, 0), 1)
        // Double(UInt64.max) rounds up to 2^64, which UInt64 cannot hold.
        let wanted = (share * Double(total)).rounded(.up)
        let rank = wanted >= 18_446_744_073_709_551_615.0 ? total : max(1, UInt64(wanted))
        var seen: UInt64 = 0
        for index in valid.keys.sorted() {
            seen = seen.saturatingAdd(valid[index] ?? 0)
            if seen >= rank {
                let low = lowerBound(of: index)
                let high = index + 1 < count ? lowerBound(of: index + 1) : low + 1
                return Double(low) + Double(high - low - 1) / 2
            }
        }
        return Double(lowerBound(of: valid.keys.max() ?? 0))
    }
}
