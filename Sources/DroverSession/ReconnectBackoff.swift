/// Exponential reconnect backoff with full jitter ("Exponential Backoff And Jitter", AWS).
///
/// Attempt *n* (from 0) waits a uniformly random time in `0...min(cap, base * 2^n)`. The
/// random source is a parameter so tests are deterministic.
public struct ReconnectBackoff: Hashable, Sendable {
    /// The ceiling of the first attempt.
    public let base: Duration
    /// No wait is ever longer than this.
    public let cap: Duration
    /// Failed attempts since the last ``reset()``.
    public private(set) var attempt: Int = 0

    /// Starts at `base` (500 ms), capped at `cap` (30 s).
    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(30)) {
        precondition(base > .zero && cap >= base)
        self.base = base
        self.cap = cap
    }

    /// The current ceiling: `min(cap, base * 2^attempt)`.
    public var ceiling: Duration {
        let doublings = min(attempt, 40)
        let grown = base * (1 << doublings)
        return grown > cap || grown < base ? cap : grown
    }

    /// The wait before the next attempt; advances the attempt count.
    public mutating func nextDelay(using generator: inout some RandomNumberGenerator) -> Duration {
        let ceilingNanos = max(0, ceiling.nanoseconds)
        attempt += 1
        return .nanoseconds(Int64.random(in: 0...ceilingNanos, using: &generator))
    }

    /// The wait before the next attempt from the system random source.
    public mutating func nextDelay() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return nextDelay(using: &generator)
    }

    /// A connection succeeded: start over from `base`.
    public mutating func reset() {
        attempt = 0
    }
}

extension Duration {
    /// Whole nanoseconds (saturating).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
