import DroverProxy

/// What the swap executor needs from a service's proxy: the I/O seam between swap logic and
/// ``ServiceProxy`` (unit tests substitute a recorder).
public protocol TrafficRouter: AnyObject, Sendable {
    /// Binds the public port and starts forwarding; returns the bound port.
    func start() async throws -> Int
    /// Replaces the routing table.
    ///
    /// - Throws: ``ProxyError`` for an invalid table; a router that drives another process
    ///   (``HAProxyRouter``) also throws that process's errors.
    func update(_ table: RoutingTable) async throws
    /// Stops new traffic to a backend and waits for what is in flight, up to `timeout`.
    func drain(backendID: String, timeout: Duration) async -> DrainResult
    /// Stops listening and closes everything after letting traffic in flight finish.
    func close(timeout: Duration) async
    /// Totals since the router started, per version label: requests, errors, latency — the
    /// signals canary analysis reads (the agent reports them; the controller takes deltas).
    func statistics() async -> [String: VersionMetrics]
}

extension ServiceProxy: TrafficRouter {
    public func statistics() async -> [String: VersionMetrics] { stats.snapshot() }
}

/// Makes the proxy for one service, given the service's name and its public port and mode.
public typealias TrafficRouterFactory =
    @Sendable (_ service: String, _ configuration: ServiceProxyConfiguration) throws -> any TrafficRouter
