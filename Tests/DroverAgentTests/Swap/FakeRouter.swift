import DroverAgent
import DroverProxy
import Synchronization

/// A ``TrafficRouter`` that records what the executor asks of it.
final class FakeRouter: TrafficRouter {
    struct State {
        var tables: [RoutingTable] = []
        var drained: [String] = []
        var started = false
        var closed = false
    }

    let port: Int
    let mode: ServiceProxyConfiguration.Mode
    let state = Mutex(State())
    /// Sees "update" and "drain" as they happen.
    let hook = Mutex<(@Sendable (String) -> Void)?>(nil)

    init(port: Int, mode: ServiceProxyConfiguration.Mode = .http) {
        self.port = port
        self.mode = mode
    }

    var table: RoutingTable? { state.withLock { $0.tables.last } }
    var tables: [RoutingTable] { state.withLock { $0.tables } }
    var drained: [String] { state.withLock { $0.drained } }
    var isStarted: Bool { state.withLock { $0.started } }
    var isClosed: Bool { state.withLock { $0.closed } }

    /// When set, ``start()`` reports on `starting` and then waits for `release`.
    let gate = Mutex<(starting: AsyncStream<Void>.Continuation, release: AsyncStream<Void>)?>(nil)

    func start() async throws -> Int {
        state.withLock { $0.started = true }
        if let gate = gate.withLock({ $0 }) {
            gate.starting.yield()
            for await _ in gate.release { break }
        }
        return port
    }

    func update(_ table: RoutingTable) async throws(ProxyError) {
        try table.validate()
        hook.withLock { $0 }?("update")
        state.withLock { $0.tables.append(table) }
    }

    func drain(backendID: String, timeout: Duration) async -> DrainResult {
        hook.withLock { $0 }?("drain")
        state.withLock { $0.drained.append(backendID) }
        return DrainResult(backendID: backendID, inFlightAtStart: 0, forceClosed: 0, duration: .zero)
    }

    func close(timeout: Duration) async {
        state.withLock { $0.closed = true }
    }

    /// Per-version counters a test sets directly.
    let counters = Mutex<[String: VersionMetrics]>([:])

    func statistics() async -> [String: VersionMetrics] { counters.withLock { $0 } }
}

/// Makes ``FakeRouter``s and remembers them by port.
final class FakeRouters: Sendable {
    let made = Mutex<[FakeRouter]>([])
    /// Handed to every router made from now on (see ``FakeRouter/gate``).
    let gate = Mutex<(starting: AsyncStream<Void>.Continuation, release: AsyncStream<Void>)?>(nil)
    var factory: TrafficRouterFactory {
        { _, configuration in
            let router = FakeRouter(port: configuration.port, mode: configuration.mode)
            router.gate.withLock { $0 = self.gate.withLock { $0 } }
            self.made.withLock { $0.append(router) }
            return router
        }
    }

    /// The newest router made for `port`.
    func router(port: Int) -> FakeRouter? {
        made.withLock { $0.last { $0.port == port } }
    }

    var all: [FakeRouter] { made.withLock { $0 } }
}
