import NIOCore

/// The proxy's state on one event loop: routing, upstream pool, statistics shard and the open
/// client connections. Confined to that loop, so the hot path takes no lock at all; the
/// ``ServiceProxy`` changes it only by submitting work to the loop.
final class ProxyLoopState {
    let configuration: ServiceProxyConfiguration
    let stats: VersionStats.Shard
    let pool: UpstreamPool
    /// The service's connection count and the limits' counters, shared by every loop.
    let limit: ConnectionLimit
    let eventLoop: any EventLoop
    /// The limits as NIO time amounts, converted once.
    let headTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    private var sweepTask: RepeatedTask?
    private(set) var selector: RouteSelector
    /// Resolved backend addresses by backend id (IP literals parse once per table, not per request).
    private(set) var addresses: [String: SocketAddress] = [:]
    private var generation: UInt64 = 0
    /// Set by a graceful close: answer what is in flight, then close every connection.
    private(set) var closing = false
    private var random: SplitMix64
    private var connections: [ObjectIdentifier: any ProxyConnection] = [:]

    init(
        configuration: ServiceProxyConfiguration, selector: RouteSelector, stats: VersionStats.Shard, seed: UInt64,
        limit: ConnectionLimit, eventLoop: any EventLoop
    ) {
        self.configuration = configuration
        self.limit = limit
        self.eventLoop = eventLoop
        headTimeout = configuration.limits.headTimeout.timeAmount
        idleTimeout = configuration.limits.idleTimeout.timeAmount
        bodyTimeout = configuration.limits.bodyTimeout.timeAmount
        self.stats = stats
        self.pool = UpstreamPool(maxIdlePerBackend: configuration.maxIdleConnectionsPerBackend)
        self.selector = selector
        self.random = SplitMix64(seed: seed)
        self.addresses = Self.resolve(selector.table)
    }

    /// Switches to a newer table (an older generation arriving late is ignored) and closes idle
    /// upstream connections of backends that are gone or draining.
    func apply(_ selector: RouteSelector, generation: UInt64) {
        guard generation > self.generation else { return }
        self.generation = generation
        self.selector = selector
        addresses = Self.resolve(selector.table)
        let active = Set(selector.table.backends.filter { $0.state == .active }.map(\.id))
        pool.closeIdle { !active.contains($0) }
    }

    private static func resolve(_ table: RoutingTable) -> [String: SocketAddress] {
        var addresses: [String: SocketAddress] = [:]
        for backend in table.backends {
            addresses[backend.id] = try? SocketAddress(ipAddress: backend.host, port: backend.port)
        }
        return addresses
    }

    /// The backend for a new request or connection; `nil` when none is active (503).
    func route(stickyKey: String?) -> Backend? {
        let index = stickyKey.map { selector.pick(stickyKey: $0) } ?? selector.pick(random: random.next())
        return index.map { selector.table.backends[$0] }
    }

    /// A fresh sticky key for a client without one (16 hex digits).
    func newStickyKey() -> String {
        let value = random.next()
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    func register(_ connection: any ProxyConnection) {
        connections[ObjectIdentifier(connection)] = connection
        if closing { connection.closeWhenIdle() }
    }

    func unregister(_ connection: any ProxyConnection) {
        connections.removeValue(forKey: ObjectIdentifier(connection))
    }

    /// Requests or connections in flight to a backend (all backends when `nil`).
    func inFlight(backendID: String?) -> Int {
        connections.values.count { connection in
            guard let current = connection.currentBackendID else { return false }
            return backendID == nil || current == backendID
        }
    }

    /// Client connections open on this loop.
    var openConnections: Int { connections.count }

    /// Closes the client connections with something in flight to a backend; returns how many.
    func forceClose(backendID: String) -> Int {
        let stuck = connections.values.filter { $0.currentBackendID == backendID }
        for connection in stuck { connection.forceClose() }
        return stuck.count
    }

    /// Starts a graceful close: idle connections close now, busy ones after their request.
    func beginClosing() {
        closing = true
        for connection in Array(connections.values) { connection.closeWhenIdle() }
    }

    /// Starts checking the connections' deadlines every ``ServiceProxyConfiguration/Limits``
    /// sweep interval: one repeating task per loop rather than a timer per connection, so a
    /// request schedules (and allocates) nothing.
    func startSweeping() {
        guard sweepTask == nil, !closing else { return }
        let interval = configuration.limits.sweepInterval.timeAmount
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        sweepTask = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.sweep()
        }
    }

    /// Ends the connections whose deadline passed.
    func sweep() {
        guard !connections.isEmpty else { return }
        let now = NIODeadline.now()
        // A copy: an expiring connection unregisters itself while this goes on.
        for connection in Array(connections.values) { connection.expire(now: now) }
    }

    /// Closes every connection and pooled upstream connection now.
    func closeAll() {
        sweepTask?.cancel()
        sweepTask = nil
        closing = true
        for connection in Array(connections.values) { connection.forceClose() }
        pool.closeIdle { _ in true }
    }
}
