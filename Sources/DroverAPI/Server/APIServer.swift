import DroverInventory
import DroverStore
import DroverTLS
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The operator API: HTTP/1.1 over TLS (DroverTLS on the system OpenSSL), JSON bodies,
/// bearer tokens.
///
/// ```swift
/// let server = try APIServer(configuration: config, store: store, inventory: inventory, fleetControl: control)
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { try await server.run() }
///     let port = try await server.localPort()
///     ...
///     group.cancelAll()   // or server.shutdown()
/// }
/// ```
public final class APIServer: Sendable {
    /// How the server listens.
    public let configuration: APIServerConfiguration
    private let router: any Router
    private let tlsContext: TLSContext
    private let group: any EventLoopGroup
    private let state = Mutex(State())
    private let connections: ConnectionCounter

    private struct State {
        var port: Int?
        var failure: (any Error)?
        var channel: (any Channel)?
        var waiters: [CheckedContinuation<Int, any Error>] = []
        var shutdownRequested = false
    }

    /// A server for the Drover routes (``DroverRouter``).
    ///
    /// - Throws: `TLSError` when the TLS configuration is unusable.
    public convenience init(
        configuration: APIServerConfiguration,
        store: any StateStore,
        inventory: SharedFleetInventory,
        fleetControl: any FleetControl,
        rolloutControl: (any RolloutControl)? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        try self.init(
            configuration: configuration,
            router: DroverRouter(
                configuration: configuration, store: store, inventory: inventory, fleetControl: fleetControl,
                rolloutControl: rolloutControl),
            group: group)
    }

    /// A server for any router.
    public init(
        configuration: APIServerConfiguration,
        router: any Router,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.router = router
        self.group = group
        self.tlsContext = try TLSContext(configuration: configuration.effectiveTLS)
        self.connections = ConnectionCounter(limit: configuration.maxConnections)
    }

    /// Connections open now (at most ``APIServerConfiguration/maxConnections``).
    public var openConnections: Int { connections.count }

    /// The bound port, once ``run()`` has bound the socket (waits until then).
    public func localPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, any Error>? = state.withLock { state in
                if let port = state.port { return .success(port) }
                if let failure = state.failure { return .failure(failure) }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Stops accepting connections; ``run()`` returns once open connections finish.
    public func shutdown() {
        let channel = state.withLock { state -> (any Channel)? in
            state.shutdownRequested = true
            return state.channel
        }
        channel?.close(promise: nil)
    }

    /// Binds and serves until cancelled or ``shutdown()``.
    public func run() async throws {
        let tlsContext = self.tlsContext
        let idleTimeout = TimeAmount.seconds(Int64(configuration.idleTimeoutSeconds))
        let counter = connections
        let decoderLimits = configuration.decoderLimits
        let (seconds, attoseconds) = configuration.requestTimeout.components
        let timeoutNanos = seconds >= Int64.max / 1_000_000_000 ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        let guardLimits = APIConnectionGuard.Limits(
            requestTimeout: .nanoseconds(max(1, timeoutNanos)), maxHeaderBytes: configuration.maxHeaderBytes,
            maxHeaderCount: configuration.maxHeaderCount)
        let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
        do {
            server = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // Over the cap: closed at once, before any TLS work. (Throwing here would
                        // end the accept loop.)
                        guard counter.acquire() else {
                            try channel.pipeline.syncOperations.addHandler(CloseOnActiveHandler())
                            return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                                wrappingChannelSynchronously: channel)
                        }
                        channel.closeFuture.whenComplete { _ in counter.release() }
                        try channel.pipeline.syncOperations.addHandlers([
                            IdleStateHandler(allTimeout: idleTimeout),
                            OpenSSLHandler(context: tlsContext), RequestBytesObserver(),
                            HTTPResponseEncoder(),
                            ByteToMessageHandler(
                                HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: decoderLimits)),
                            APIConnectionGuard(limits: guardLimits), HTTPServerPipelineHandler(),
                            NIOHTTPResponseHeadersValidator(), IdleCloseHandler(),
                        ])
                        return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            resolvePort(.failure(error))
            throw error
        }
        let port = server.channel.localAddress?.port ?? configuration.port
        let closeNow = state.withLock { state -> Bool in
            state.channel = server.channel
            return state.shutdownRequested
        }
        resolvePort(.success(port))
        if closeNow { try? await server.channel.close() }

        let connection = HTTPConnection(router: router, maxBodyBytes: configuration.maxBodyBytes)
        try await withThrowingDiscardingTaskGroup { group in
            try await withTaskCancellationHandler {
                try await server.executeThenClose { inbound in
                    for try await child in inbound {
                        group.addTask { await connection.serve(child) }
                    }
                }
            } onCancel: {
                server.channel.close(promise: nil)
            }
        }
    }

    private func resolvePort(_ result: Result<Int, any Error>) {
        let waiters = state.withLock { state in
            switch result {
            case .success(let port): state.port = port
            case .failure(let error): state.failure = error
            }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}
