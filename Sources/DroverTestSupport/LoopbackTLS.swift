import DroverTLS
import NIOCore
import NIOPosix

/// A TLS server on 127.0.0.1 (ephemeral port) plus client connections to it, on one
/// `MultiThreadedEventLoopGroup` thread. Use through `withLoopbackTLS`, which always shuts down.
public final class LoopbackTLS: Sendable {
    /// One accepted or connected TLS channel and its recorder.
    public struct Connection: Sendable {
        public let channel: any Channel
        public let recorder: TLSRecorder
    }

    public let group: MultiThreadedEventLoopGroup
    public let serverChannel: any Channel
    private let accepted: AsyncStream<Connection>
    private let acceptedContinuation: AsyncStream<Connection>.Continuation

    /// The bound port.
    public var port: Int { serverChannel.localAddress?.port ?? 0 }

    init(serverContext: TLSContext) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (stream, continuation) = AsyncStream.makeStream(of: Connection.self)
        do {
            serverChannel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let recorder = TLSRecorder(eventLoop: channel.eventLoop)
                        try channel.pipeline.syncOperations.addHandlers([
                            OpenSSLHandler(context: serverContext), recorder,
                        ])
                        continuation.yield(Connection(channel: channel, recorder: recorder))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        self.group = group
        self.accepted = stream
        self.acceptedContinuation = continuation
    }

    /// Connects a TLS client; returns once TCP is connected (the handshake is then under way).
    public func connect(clientContext: TLSContext, serverHostname: String? = TestPKI.serverName) async throws -> Connection {
        try await connect { channel in
            [OpenSSLHandler(context: clientContext, serverHostname: serverHostname)]
        }
    }

    /// Connects a client whose pipeline is `handlers(channel)` followed by a recorder (e.g. no TLS at all).
    public func connect(
        handlers: @escaping @Sendable (any Channel) -> [any ChannelHandler]
    ) async throws -> Connection {
        let box = RecorderBox()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let recorder = TLSRecorder(eventLoop: channel.eventLoop)
                    box.recorder = recorder
                    try channel.pipeline.syncOperations.addHandlers(handlers(channel) + [recorder])
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return Connection(channel: channel, recorder: box.recorder!)
    }

    /// The next connection the server accepted.
    public func nextAccepted() async throws -> Connection {
        var iterator = accepted.makeAsyncIterator()
        guard let next = await iterator.next() else { throw ChannelError.ioOnClosedChannel }
        return next
    }

    func shutdown() async {
        acceptedContinuation.finish()
        try? await serverChannel.close()
        try? await group.shutdownGracefully()
    }

    /// Closes `channel`'s socket from below the TLS handler: no close_notify is sent.
    public static func closeWithoutCloseNotify(_ channel: any Channel) async throws {
        try await channel.eventLoop.submit {
            let context = try channel.pipeline.syncOperations.context(handlerType: OpenSSLHandler.self)
            context.close(promise: nil)
        }.get()
    }
}

/// Hands the recorder out of the (Sendable) channel initializer; written once, before `connect` returns.
private final class RecorderBox: @unchecked Sendable {
    var recorder: TLSRecorder?
}

/// Runs `body` against a fresh loopback TLS server and always shuts the group down.
public func withLoopbackTLS<T>(
    serverContext: TLSContext,
    _ body: (LoopbackTLS) async throws -> T
) async throws -> T {
    let loopback = try await LoopbackTLS(serverContext: serverContext)
    do {
        let result = try await body(loopback)
        await loopback.shutdown()
        return result
    } catch {
        await loopback.shutdown()
        throw error
    }
}

extension EventLoopFuture where Value: Sendable {
    /// Waits for the result, failing with `TestTimeout` after `timeout` (tests must never hang).
    public func get(timeout: TimeAmount) async throws -> Value {
        let promise = eventLoop.makePromise(of: Value.self)
        let timer = eventLoop.scheduleTask(in: timeout) { promise.fail(TestTimeout(after: timeout)) }
        cascade(to: promise)
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return try await promise.futureResult.get()
    }
}

/// A test wait exceeded its deadline.
public struct TestTimeout: Error, CustomStringConvertible {
    public let after: TimeAmount
    public var description: String { "timed out after \(after.nanoseconds / 1_000_000) ms" }
}
