import NIOCore
import NIOPosix
import Synchronization

/// A real TCP server on 127.0.0.1 standing in for one instance: greets with "VERSION\n",
/// echoes what it reads, and on the client's half-close answers "bye\n" and ends its output.
final class TCPTestBackend: Sendable {
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

    var connections: Int { shared.state.withLock { $0.connections } }
    var openConnections: Int { shared.state.withLock { $0.open.count } }

    static func start(version: String) async throws -> TCPTestBackend {
        let shared = BackendShared()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                shared.opened(channel)
                channel.closeFuture.whenComplete { _ in shared.closed(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoHandler(version: version))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TCPTestBackend(version: version, port: try localPort(of: channel), channel: channel, shared: shared)
    }

    func stop() async {
        try? await channel.close()
        for child in shared.state.withLock({ Array($0.open.values) }) { try? await child.close() }
    }

    private final class EchoHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let version: String
        init(version: String) { self.version = version }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: version + "\n")), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "bye\n")), promise: nil)
                context.close(mode: .output, promise: nil)
            }
        }
    }
}

/// Runs `body` with TCP backends of the given versions, stopping them on every path.
func withTCPBackends<T>(_ versions: [String], _ body: ([TCPTestBackend]) async throws -> T) async throws -> T {
    var backends: [TCPTestBackend] = []
    do {
        for version in versions { backends.append(try await TCPTestBackend.start(version: version)) }
        let result = try await body(backends)
        for backend in backends { await backend.stop() }
        return result
    } catch {
        for backend in backends { await backend.stop() }
        throw error
    }
}

/// A raw TCP client connection that can half-close.
final class TCPTestClient {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var received = ByteBuffer()

    init(iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.iterator = iterator
        self.outbound = outbound
    }

    func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Ends this side's output (TCP half-close); reading goes on.
    func finishWriting() {
        outbound.finish()
    }

    /// Reads one line (without the newline).
    func readLine() async throws -> String {
        while true {
            if let newline = received.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - received.readerIndex
                let line = received.readString(length: length) ?? ""
                received.moveReaderIndex(forwardBy: 1)
                return line
            }
            guard var chunk = try await iterator.next() else { throw TestFailure("closed before a line") }
            received.writeBuffer(&chunk)
        }
    }

    /// Reads everything until the peer ends its output.
    func readToEnd() async throws -> String {
        while var chunk = try await iterator.next() { received.writeBuffer(&chunk) }
        return received.readString(length: received.readableBytes) ?? ""
    }
}

/// Runs `body` with a raw TCP connection to `port`.
func withTCPClient<T>(port: Int, _ body: (TCPTestClient) async throws -> T) async throws -> T {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.allowRemoteHalfClosure, value: true)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(isOutboundHalfClosureEnabled: true))
            }
        }
    return try await channel.executeThenClose { inbound, outbound in
        try await body(TCPTestClient(iterator: inbound.makeAsyncIterator(), outbound: outbound))
    }
}
