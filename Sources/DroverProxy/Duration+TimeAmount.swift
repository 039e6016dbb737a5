import NIOCore

extension Duration {
    /// The same span as a NIO `TimeAmount` (nanosecond precision), saturating instead of
    /// overflowing for spans beyond ±292 years.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .nanoseconds(seconds < 0 ? .min : .max) }
        let (total, overflowAdding) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflowAdding { return .nanoseconds(seconds < 0 ? .min : .max) }
        return .nanoseconds(total)
    }
}
