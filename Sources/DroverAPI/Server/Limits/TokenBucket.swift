/// One token bucket, counted in thousandths of a token so refills need no floating point.
/// Pure: the caller passes the time (Unix milliseconds); a clock that steps back refills nothing.
struct TokenBucket: Sendable, Equatable {
    /// The outcome of ``take(now:)``.
    enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; a token is back after this many milliseconds (nil: never, the bucket does not refill).
        case refused(retryAfterMs: Int64?)
    }

    /// Bucket size, milli-tokens.
    let capacity: Int64
    /// Milli-tokens added per millisecond (= tokens per second).
    let refillPerMs: Int64
    private(set) var milliTokens: Int64
    private(set) var updatedAt: Int64

    /// A full bucket for `limit`.
    init(limit: APIRateLimit, now: Int64) {
        // Configured numbers are clamped so the milli-token arithmetic cannot overflow.
        capacity = Int64(min(limit.burst, 1 << 30)) * 1_000
        refillPerMs = Int64(min(limit.perSecond, 1 << 30))
        milliTokens = capacity
        updatedAt = now
    }

    /// Adds what the time since the last update has earned, up to the capacity.
    mutating func refill(now: Int64) {
        guard now > updatedAt else { return }
        let (elapsed, overflow) = now.subtractingReportingOverflow(updatedAt)
        updatedAt = now
        guard refillPerMs > 0 else { return }
        let missing = capacity - milliTokens
        // Past this many milliseconds the bucket is full anyway; avoids multiplying large values.
        let fillTime = (missing + refillPerMs - 1) / refillPerMs
        milliTokens = overflow || elapsed >= fillTime ? capacity : min(capacity, milliTokens + elapsed * refillPerMs)
    }

    /// Takes one token if there is one.
    mutating func take(now: Int64) -> Decision {
        refill(now: now)
        if milliTokens >= 1_000 {
            milliTokens -= 1_000
            return .allowed
        }
        guard refillPerMs > 0 else { return .refused(retryAfterMs: nil) }
        return .refused(retryAfterMs: (1_000 - milliTokens + refillPerMs - 1) / refillPerMs)
    }

    /// Whether the bucket would be full at `now` (it then remembers nothing worth keeping).
    func isFull(now: Int64) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.milliTokens >= capacity
    }
}
