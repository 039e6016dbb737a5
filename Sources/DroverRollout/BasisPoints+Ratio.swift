extension BasisPoints {
    /// `part / whole` in basis points, rounded and clamped to 0...10000; 0 when `whole` is 0.
    ///
    /// Counters come from hosts: an error count above its request count, or a used figure above
    /// its total, is clamped to the whole rather than turned into an out-of-range `Int`.
    public static func ratio(_ part: UInt64, of whole: UInt64) -> Int {
        guard whole > 0 else { return 0 }
        return Int((Double(min(part, whole)) * 10_000 / Double(whole)).rounded())
    }
}

extension UInt64 {
    /// `self + other`, or `UInt64.max` when the sum does not fit (hosts' counters summed).
    @inlinable
    public func saturatingAdd(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
