/// A token-bucket budget: `burst` requests at once, refilled at `perSecond` a second.
public struct APIRateLimit: Sendable, Equatable {
    /// Requests allowed back to back (the bucket's size); at least 1.
    public var burst: Int
    /// Requests added back per second; 0 means the burst never refills.
    public var perSecond: Int

    /// A budget; values below the minimum are raised to it.
    public init(burst: Int, perSecond: Int) {
        self.burst = max(1, burst)
        self.perSecond = max(0, perSecond)
    }
}
