import Synchronization

/// The router's shared per-address limiter for unauthenticated work (see
/// ``APIServerConfiguration/unauthenticatedRateLimit``).
final class APIRateLimiter: Sendable {
    private let state: Mutex<AddressRateLimiter>
    private let clock: @Sendable () -> Int64

    init(limit: APIRateLimit, clock: @escaping @Sendable () -> Int64) {
        self.state = Mutex(AddressRateLimiter(limit: limit))
        self.clock = clock
    }

    /// nil when `address` may go on; otherwise the 429 answer.
    func refusal(for address: String?) -> APIResponse? {
        let now = clock()
        let decision = state.withLock { $0.take(address ?? "unknown", now: now) }
        guard case .refused(let retryAfterMs) = decision else { return nil }
        // Whole seconds, rounded up; a bucket that never refills says an hour.
        let seconds = retryAfterMs.map { max(1, ($0 + 999) / 1_000) } ?? 3_600
        return .error(
            status: 429, code: "rate_limited",
            message: "too many unauthenticated or refused requests from this address; retry in \(seconds) s",
            headers: [APIHeader("Retry-After", String(seconds))])
    }
}
