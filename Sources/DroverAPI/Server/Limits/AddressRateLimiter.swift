/// Token buckets per client address, with a bounded number of addresses. Pure: time is passed in.
struct AddressRateLimiter: Sendable {
    let limit: APIRateLimit
    /// Most addresses remembered; past it full buckets are forgotten first, then the stalest.
    let maxAddresses: Int
    private(set) var buckets: [String: TokenBucket] = [:]

    init(limit: APIRateLimit, maxAddresses: Int = 16_384) {
        self.limit = limit
        self.maxAddresses = max(1, maxAddresses)
    }

    /// Takes one token from `address`'s bucket.
    mutating func take(_ address: String, now: Int64) -> TokenBucket.Decision {
        if buckets[address] == nil {
            if buckets.count >= maxAddresses { evict(now: now) }
            buckets[address] = TokenBucket(limit: limit, now: now)
        }
        return buckets[address]!.take(now: now)
    }

    /// Forgets full buckets (a new one would be the same); if none is full, the stalest one.
    private mutating func evict(now: Int64) {
        buckets = buckets.filter { !$0.value.isFull(now: now) }
        if buckets.count >= maxAddresses, let stalest = buckets.min(by: { $0.value.updatedAt < $1.value.updatedAt }) {
            buckets[stalest.key] = nil
        }
    }
}
