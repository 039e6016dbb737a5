import NIOCore
import NIOPosix
import Synchronization

/// The agent's service proxy: listens on a service's public port and forwards to its local
/// instances by weight — per request in HTTP/1.1 mode, per connection in TCP mode.
///
/// ```swift
/// let proxy = try ServiceProxy(configuration: .init(port: 8080), table: table)
/// let port = try await proxy.start()
/// try await proxy.update(newTable)                          // shift traffic
/// let result = await proxy.drain(backendID: "web-1", timeout: .seconds(30))
/// await proxy.close(timeout: .seconds(10))
/// ```
///
/// Each event loop keeps its own copy of the routing, its own upstream connection pool and its
/// own statistics shard, so forwarding takes no lock; ``update(_:)`` and ``drain(backendID:timeout:)``
/// reach the loops by submitting work to them.
public final class ServiceProxy: Sendable {
    /// How the proxy listens and forwards.
    public let configuration: ServiceProxyConfiguration
    /// Per-version statistics (requests, errors, bytes, latency).
    public let stats: VersionStats
    private let group: any EventLoopGroup
    private let loops: [ObjectIdentifier: NIOLoopBoundBox<ProxyLoopState>]
    private let state: Mutex<State>
    private let limit: ConnectionLimit

    private struct State {
        var table: RoutingTable
        var generation: UInt64 = 1
        var channel: (any Channel)?
        var started = false
        var closed = false
    }

    /// A proxy that will route by `table` once started.
    ///
    /// - Throws: ``ProxyError/invalidTable(_:)`` when the table is inconsistent.
    public init(
        configuration: ServiceProxyConfiguration,
        table: RoutingTable,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(ProxyError) {
        try table.validate()
        self.configuration = configuration
        self.group = group
        self.state = Mutex(State(table: table))
        let eventLoops = Array(group.makeIterator())
        let stats = VersionStats(shardCount: eventLoops.count)
        self.stats = stats
        let selector = RouteSelector(table: table)
        let limit = ConnectionLimit(maximum: configuration.limits.maxConnections)
        self.limit = limit
        var seeds = SystemRandomNumberGenerator()
        var loops: [ObjectIdentifier: NIOLoopBoundBox<ProxyLoopState>] = [:]
        for (index, eventLoop) in eventLoops.enumerated() {
            loops[ObjectIdentifier(eventLoop)] = NIOLoopBoundBox.makeBoxSendingValue(
                ProxyLoopState(
                    configuration: configuration, selector: selector, stats: stats.shards[index],
                    seed: seeds.next(), limit: limit, eventLoop: eventLoop),
                eventLoop: eventLoop)
        }
        self.loops = loops
    }

    /// The routing table in force (the last one given to ``update(_:)``, with drains applied).
    public var table: RoutingTable {
        state.withLock { $0.table }
    }

    /// How often the timeouts and the connection cap acted since the proxy started.
    public var limitCounters: ProxyLimitCounters { limit.counters }

    /// The port the proxy listens on, once started.
    public var localPort: Int? {
        state.withLock { $0.channel?.localAddress?.port }
    }

    /// Binds the listening socket and starts forwarding; returns the bound port.
    ///
    /// - Throws: ``ProxyError/alreadyStarted``, ``ProxyError/closed``, or the bind error.
    @discardableResult
    public func start() async throws -> Int {
        try state.withLock { state throws(ProxyError) in
            if state.closed { throw .closed }
            if state.started { throw .alreadyStarted }
            state.started = true
        }
        let loops = self.loops
        let mode = configuration.mode
        let limit = self.limit
        if mode == .http { _ = await onEveryLoop { $0.startSweeping() } }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptLimitHandler(limit: limit))
                }
            }
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // One accept per read, so accepting stops exactly at the connection cap.
            .serverChannelOption(.maxMessagesPerRead, value: 1)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: mode == .tcp)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let box = loops[ObjectIdentifier(channel.eventLoop)] else {
                        throw ChannelError.badInterfaceAddressFamily
                    }
                    let loop = box.value
                    switch mode {
                    case .http:
                        // HTTPProxyHandler parses and frames HTTP/1.x itself, no codec in between.
                        try channel.pipeline.syncOperations.addHandler(HTTPProxyHandler(loop: loop))
                    case .tcp:
                        try channel.pipeline.syncOperations.addHandler(TCPProxyHandler(loop: loop))
                    }
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        let closeNow = state.withLock { state in
            state.channel = channel
            return state.closed
        }
        if closeNow { try? await channel.close() }
        return channel.localAddress?.port ?? configuration.port
    }

    /// Replaces the routing table. Requests and connections that start after this returns use
    /// the new table; those in flight finish where they are. Backends that are gone or draining
    /// lose their idle pooled connections.
    ///
    /// - Throws: ``ProxyError/invalidTable(_:)``; the old table stays in force.
    public func update(_ table: RoutingTable) async throws(ProxyError) {
        try table.validate()
        let generation = state.withLock { state in
            state.table = table
            state.generation += 1
            return state.generation
        }
        await push(RouteSelector(table: table), generation: generation)
    }

    /// Stops sending new requests or connections to a backend, waits until those in flight
    /// finish or `timeout` passes, then closes what is left and the backend's idle pooled
    /// connections. The backend stays in the table, marked draining.
    public func drain(backendID: String, timeout: Duration) async -> DrainResult {
        let clock = ContinuousClock()
        let began = clock.now
        let (table, generation) = state.withLock { state in
            state.table = state.table.draining(backendID)
            state.generation += 1
            return (state.table, state.generation)
        }
        await push(RouteSelector(table: table), generation: generation)
        let atStart = await onEveryLoop { $0.inFlight(backendID: backendID) }.reduce(0, +)
        var forced = 0
        while await onEveryLoop({ $0.inFlight(backendID: backendID) }).reduce(0, +) > 0 {
            if clock.now - began >= timeout {
                forced = await onEveryLoop { $0.forceClose(backendID: backendID) }.reduce(0, +)
                break
            }
            // Polled: in-flight counts live on the event loops; a few ms is far below any drain timeout.
            try? await Task.sleep(for: .milliseconds(5))
        }
        _ = await onEveryLoop { loop in loop.pool.closeIdle { $0 == backendID } }
        return DrainResult(
            backendID: backendID, inFlightAtStart: atStart, forceClosed: forced, duration: clock.now - began)
    }

    /// Requests (HTTP) or connections (TCP) in flight to a backend; all backends when `nil`.
    public func inFlight(backendID: String? = nil) async -> Int {
        await onEveryLoop { $0.inFlight(backendID: backendID) }.reduce(0, +)
    }

    /// Client connections open now, over all event loops.
    public func openConnections() async -> Int {
        await onEveryLoop { $0.openConnections }.reduce(0, +)
    }

    /// Idle pooled upstream connections to a backend, over all event loops.
    public func idleUpstreamConnections(backendID: String) async -> Int {
        await onEveryLoop { $0.pool.idleCount(backendID: backendID) }.reduce(0, +)
    }

    /// Stops listening, lets requests and connections in flight finish for up to `timeout`
    /// (idle keep-alive connections close at once), then closes everything.
    public func close(timeout: Duration = .seconds(30)) async {
        let channel = state.withLock { state in
            state.closed = true
            return state.channel
        }
        try? await channel?.close()
        _ = await onEveryLoop { $0.beginClosing() }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        // Connections close themselves once their last response is written (TCP ones when
        // either side ends), so waiting for none to be open also waits for responses to go out.
        while await openConnections() > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        _ = await onEveryLoop { $0.closeAll() }
    }

    private func push(_ selector: RouteSelector, generation: UInt64) async {
        _ = await onEveryLoop { $0.apply(selector, generation: generation) }
    }

    /// Runs `body` on every event loop's state and collects the results.
    private func onEveryLoop<Result: Sendable>(
        _ body: @escaping @Sendable (ProxyLoopState) -> Result
    ) async -> [Result] {
        var results: [Result] = []
        for box in loops.values {
            let future = box.eventLoop.submit { body(box.value) }
            // The closure cannot throw; a failure only means the loop shut down with the group.
            if let value = try? await future.get() { results.append(value) }
        }
        return results
    }
}
