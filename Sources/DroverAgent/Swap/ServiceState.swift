/// What runs for one service on this host, for host reports and tests.
public struct ServiceState: Sendable, Equatable {
    /// One running instance.
    public struct Instance: Sendable, Equatable {
        /// The engine's id.
        public var id: String
        /// The engine-level name.
        public var name: String
        /// The loopback port the proxy forwards to.
        public var port: Int
    }

    /// The service.
    public var service: String
    /// The version serving traffic.
    public var version: String
    /// Its instances.
    public var instances: [Instance]
    /// The port the service proxy listens on, when it runs.
    public var proxyPort: Int?
    /// The version kept stopped for a fast rollback.
    public var previousVersion: String?
    /// The last version the controller confirmed.
    public var knownGoodVersion: String?
    /// The command swapping the service right now.
    public var swapInProgress: String?
    /// The version running as canary beside ``version``.
    public var canaryVersion: String? = nil
    /// The canary's share of the traffic, basis points (0 without a canary).
    public var canaryWeight: Int = 0
    /// The canary's instances.
    public var canaryInstances: [Instance] = []
}
