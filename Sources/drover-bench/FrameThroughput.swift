import DroverTLS
import DroverWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One throughput trial: `connections` clients blast `framesPerConnection` frames each over
/// loopback through the Drover frame pipeline, with or without `OpenSSLHandler` in front.
struct FrameThroughput {
    var connections: Int
    var framesPerConnection: Int
    var payloadSize: Int

    struct Result {
        var frames: Int
        var payloadBytes: Int
        var wireBytes: Int
        var seconds: Double
        var framesPerSecond: Double { Double(frames) / seconds }
        var megabytesPerSecond: Double { Double(wireBytes) / seconds / 1_000_000 }
    }

    /// Runs the trial; `tls` nil means plain TCP with the same pipeline minus TLS.
    func run(group: any EventLoopGroup, tls: BenchTLS?) async throws -> Result {
        let total = connections * framesPerConnection
        let finished = group.next().makePromise(of: Void.self)
        let remaining = NIOLockedValueBox(connections)
        let perConnection = framesPerConnection

        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(tls.makeServerHandler()) }
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder(limits: .default)))
                    try sync.addHandler(
                        FrameSink(expected: perConnection) {
                            let last = remaining.withLockedValue { value -> Bool in
                                value -= 1
                                return value == 0
                            }
                            if last { finished.succeed(()) }
                        })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        guard let port = server.localAddress?.port else { throw BenchError.noPort }

        // Pseudo-random bytes: incompressible like encrypted or packed data, so the figure is
        // framing + TLS, not zlib (the encoder is built with compression off as well).
        var payload = ByteBuffer()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<payloadSize {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            payload.writeInteger(UInt8(truncatingIfNeeded: state))
        }
        let frame = Frame(type: .hostReport, flags: [], requestID: 0, payload: payload)
        var clients: [(channel: any Channel, ready: EventLoopFuture<Void>)] = []
        defer { for client in clients { client.channel.close(promise: nil) } }
        for _ in 0..<connections {
            let readyPromise = group.next().makePromise(of: Void.self)
            let channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tls { try sync.addHandler(tls.makeClientHandler()) }
                        try sync.addHandler(MessageToByteHandler(FrameEncoder(limits: .default, compress: false)))
                        try sync.addHandler(
                            FrameBlaster(
                                frame: frame, total: perConnection, waitForTLS: tls != nil,
                                ready: readyPromise))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            clients.append((channel, readyPromise.futureResult))
        }
        for client in clients { try await client.ready.get() }

        let clock = ContinuousClock()
        let start = clock.now
        for client in clients {
            client.channel.pipeline.fireUserInboundEventTriggered(FrameBlaster.Start())
        }
        try await finished.futureResult.get()
        let elapsed = Statistics.seconds(clock.now - start)
        return Result(
            frames: total,
            payloadBytes: total * payloadSize,
            wireBytes: total * (payloadSize + FrameHeader.size),
            seconds: elapsed
        )
    }
}

/// Counts received frames and calls `onComplete` once the expected number arrived.
final class FrameSink: ChannelInboundHandler {
    typealias InboundIn = Frame

    private let expected: Int
    private var received = 0
    private let onComplete: () -> Void

    init(expected: Int, onComplete: @escaping () -> Void) {
        self.expected = expected
        self.onComplete = onComplete
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        _ = unwrapInboundIn(data)
        received += 1
        if received == expected { onComplete() }
    }
}

/// Writes `total` copies of a frame as fast as the channel's writability allows, flushing in
/// batches, once it receives `Start`.
final class FrameBlaster: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = Frame

    struct Start {}

    private let frame: Frame
    private let total: Int
    private let waitForTLS: Bool
    private let ready: EventLoopPromise<Void>
    private var sent = 0
    private var started = false
    private static let batch = 64

    init(frame: Frame, total: Int, waitForTLS: Bool, ready: EventLoopPromise<Void>) {
        self.frame = frame
        self.total = total
        self.waitForTLS = waitForTLS
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitForTLS { ready.succeed(()) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Start {
            started = true
            pump(context: context)
        } else if case .handshakeCompleted = event as? TLSEvent {
            ready.succeed(())
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if started && context.channel.isWritable { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        ready.fail(error)
        context.close(promise: nil)
    }

    private func pump(context: ChannelHandlerContext) {
        var inBatch = 0
        while sent < total && context.channel.isWritable {
            context.write(wrapOutboundOut(frame), promise: nil)
            sent += 1
            inBatch += 1
            if inBatch == Self.batch {
                context.flush()
                inBatch = 0
            }
        }
        if inBatch > 0 { context.flush() }
    }
}

enum BenchError: Error, CustomStringConvertible {
    case noPort
    case handshakeDidNotComplete(String)
    case processFailed(name: String, output: String)
    case missingTool(String)

    var description: String {
        switch self {
        case .processFailed(let name, let output): return "\(name) failed:\n\(output)"
        case .missingTool(let what): return what
        case .noPort: return "the benchmark server has no local port"
        case .handshakeDidNotComplete(let detail): return "handshake did not complete: \(detail)"
        }
    }
}
