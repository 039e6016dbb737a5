import DroverProxy
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real server on 127.0.0.1 standing in for one instance of a service: HTTP (``http(version:)``,
/// see ``BackendHandler``) or TCP (``tcp(version:)``, see ``EchoHandler``). It counts connections
/// and requests, and ``stop()`` closes the listener and every open connection.
final class TestServer: Sendable {
    let version: String
    let port: Int
    private let channel: any Channel
    private let shared: BackendShared

    private init(version: String, port: Int, channel: any Channel, shared: BackendShared) {
        self.version = version
        self.port = port
        self.channel = channel
        self.shared = shared
    }

    /// Connections accepted so far.
    var connections: Int { shared.state.withLock { $0.connections } }
    /// Connections open now.
    var openConnections: Int { shared.state.withLock { $0.open.count } }
    /// HTTP requests received so far.
    var requests: Int { shared.state.withLock { $0.requests } }

    /// Sends the answers of the `/held` requests received so far.
    func releaseHeld() { shared.releaseHeld() }

    private static func start(
        version: String, allowHalfClosure: Bool,
        configure: @escaping @Sendable (any Channel, BackendShared) throws -> Void
    ) async throws -> TestServer {
        let shared = BackendShared()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: allowHalfClosure)
            .childChannelInitializer { channel in
                shared.opened(channel)
                channel.closeFuture.whenComplete { _ in shared.closed(channel) }
                return channel.eventLoop.makeCompletedFuture { try configure(channel, shared) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestServer(version: version, port: try localPort(of: channel), channel: channel, shared: shared)
    }

    /// An HTTP backend answering with its version name.
    static func http(version: String) async throws -> TestServer {
        try await start(version: version, allowHalfClosure: false) { channel, shared in
            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
            try channel.pipeline.syncOperations.addHandler(BackendHandler(version: version, shared: shared))
        }
    }

    /// A TCP backend that greets with its version name and echoes.
    static func tcp(version: String) async throws -> TestServer {
        try await start(version: version, allowHalfClosure: true) { channel, _ in
            try channel.pipeline.syncOperations.addHandler(EchoHandler(version: version))
        }
    }

    /// Stops listening and closes every open connection.
    func stop() async {
        try? await channel.close()
        await dropConnections()
    }

    /// Closes every open connection but keeps listening (like a keep-alive timeout).
    func dropConnections() async {
        for child in shared.state.withLock({ Array($0.open.values) }) { try? await child.close() }
    }
}

/// Runs `body` with servers of the given versions, stopping them on every path.
func withServers<T>(
    _ versions: [String], _ start: (String) async throws -> TestServer, _ body: ([TestServer]) async throws -> T
) async throws -> T {
    var servers: [TestServer] = []
    do {
        for version in versions { servers.append(try await start(version)) }
        let result = try await body(servers)
        for server in servers { await server.stop() }
        return result
    } catch {
        for server in servers { await server.stop() }
        throw error
    }
}

/// Runs `body` with HTTP backends of the given versions.
func withBackends<T>(_ versions: [String], _ body: ([TestServer]) async throws -> T) async throws -> T {
    try await withServers(versions, TestServer.http, body)
}

/// Runs `body` with TCP backends of the given versions.
func withTCPBackends<T>(_ versions: [String], _ body: ([TestServer]) async throws -> T) async throws -> T {
    try await withServers(versions, TestServer.tcp, body)
}
