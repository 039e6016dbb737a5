extension ServiceProxyConfiguration {
    /// What one client may hold of the proxy: how long it may take over a request head, idle
    /// between requests or stall a request body, and how many connections the service's
    /// public port keeps open at once. Defaults follow HAProxy's and nginx's.
    public struct Limits: Sendable, Hashable {
        /// A complete request head must arrive within this, counted from the connection's start
        /// for its first request and from the first byte of a later one; otherwise 408 and close
        /// (HAProxy's `timeout http-request`, usually 10 s). HTTP mode only.
        public var headTimeout: Duration
        /// A keep-alive connection with no request started is closed after this (nginx's
        /// `keepalive_timeout`, 75 s). HTTP mode only.
        public var idleTimeout: Duration
        /// While a request body is expected, no body byte for this long closes the client's
        /// connection and the backend's (408 when no response has started; nginx's
        /// `client_body_timeout`, 60 s). Time the proxy itself holds reading back (a slow
        /// backend) does not count. HTTP mode only.
        public var bodyTimeout: Duration
        /// Client connections open at once on the public port; at the cap the proxy stops
        /// accepting, and new connections wait in the listen backlog until one closes
        /// (HAProxy's per-frontend `maxconn`, 2,000). Both modes.
        public var maxConnections: Int

        /// The defaults, or the given limits.
        public init(
            headTimeout: Duration = Self.defaultHeadTimeout,
            idleTimeout: Duration = Self.defaultIdleTimeout,
            bodyTimeout: Duration = Self.defaultBodyTimeout,
            maxConnections: Int = Self.defaultMaxConnections
        ) {
            self.headTimeout = headTimeout
            self.idleTimeout = idleTimeout
            self.bodyTimeout = bodyTimeout
            self.maxConnections = maxConnections
        }

        /// 10 s, HAProxy's usual `timeout http-request`.
        public static let defaultHeadTimeout = Duration.seconds(10)
        /// 75 s, nginx's `keepalive_timeout`.
        public static let defaultIdleTimeout = Duration.seconds(75)
        /// 60 s, nginx's `client_body_timeout`.
        public static let defaultBodyTimeout = Duration.seconds(60)
        /// 2,000, HAProxy's default per-frontend `maxconn`.
        public static let defaultMaxConnections = 2_000
        /// The longest timeout a spec may set (an hour); longer ones are refused, not clamped.
        public static let maxTimeout = Duration.seconds(3_600)
        /// The largest cap a spec may set.
        public static let maxMaxConnections = 1_000_000

        /// How often each event loop checks its connections' deadlines: a tenth of the shortest
        /// timeout, between 5 ms and 1 s, so a deadline fires at most that late.
        var sweepInterval: Duration {
            let shortest = min(headTimeout, idleTimeout, bodyTimeout)
            return min(max(shortest / 10, .milliseconds(5)), .seconds(1))
        }
    }
}
