import DroverTLS
import DroverWire
import NIOCore

/// A TLS connection carrying Drover frames, wrapped in a `NIOAsyncChannel`: the one async
/// boundary between NIO and the session code.
///
/// Inbound: decoded ``Frame``s (limits enforced by `FrameDecoder` before buffering).
/// Outbound: encoded bytes, written by ``FrameWriter`` so compression can follow what the
/// opening exchange negotiated.
public struct FrameConnection: Sendable {
    /// The wrapped channel.
    public let channel: NIOAsyncChannel<Frame, ByteBuffer>
    /// Completes with the peer's identity once the TLS handshake and its checks passed.
    public let handshake: EventLoopFuture<TLSPeerInfo>
    /// The peer's address.
    public let remoteAddress: SocketAddress?

    /// How long a TLS handshake may take before the connection is closed, on either side.
    ///
    /// Generous on purpose: when a whole fleet reconnects at once (a controller restart), every
    /// handshake waits its turn for the controller's CPU, and a handshake given up after it was
    /// nearly done is work the storm pays twice. A minute covers 10,000 agents at once with room
    /// to spare and still closes a silent or stalled peer.
    public static let defaultHandshakeTimeout: Duration = .seconds(60)

    /// Builds the pipeline `OpenSSLHandler → handshake observer → FrameDecoder` on `channel`
    /// and wraps it. Call from a bootstrap's channel initializer (on the channel's event loop).
    /// A handshake not finished within `handshakeTimeout` fails ``handshake`` with
    /// ``DeadlineExceeded`` and closes the channel.
    public static func configure(
        _ channel: any Channel,
        tls: OpenSSLHandler,
        limits: WireLimits,
        handshakeTimeout: Duration = FrameConnection.defaultHandshakeTimeout
    ) throws -> FrameConnection {
        let promise = channel.eventLoop.makePromise(of: TLSPeerInfo.self)
        try channel.pipeline.syncOperations.addHandlers([
            tls,
            TLSHandshakeObserver(promise: promise, timeout: handshakeTimeout),
            ByteToMessageHandler(FrameDecoder(limits: limits)),
        ])
        let asyncChannel = try NIOAsyncChannel<Frame, ByteBuffer>(
            wrappingChannelSynchronously: channel,
            configuration: .init()
        )
        return FrameConnection(
            channel: asyncChannel, handshake: promise.futureResult, remoteAddress: channel.remoteAddress)
    }

    /// Waits for the TLS handshake; throws the `TLSError` (or ``DeadlineExceeded``) if it failed.
    ///
    /// Cancelling the waiting task closes the connection: a future's `get()` alone would wait on
    /// through the cancellation.
    public func peer() async throws -> TLSPeerInfo {
        try await handshake.peer(closingOnCancel: channel.channel)
    }

    /// Closes a connection that will not be used (failed handshake, refused peer).
    ///
    /// Goes through `executeThenClose` so the async channel's writer is finished properly
    /// (a `NIOAsyncChannel` must not be dropped unused).
    public func discard() async {
        try? await channel.executeThenClose { _, outbound in
            outbound.finish()
        }
    }
}

/// Encodes envelopes into frames and writes them, compressing only when `zlib` was negotiated.
public struct FrameWriter: Sendable {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// The peer's limits (defaults until `Welcome`).
    public var limits: WireLimits
    /// Whether payloads may be compressed.
    public var compress: Bool

    /// Writes to `outbound` with default limits and no compression (the opening exchange).
    public init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.outbound = outbound
        self.limits = .default
        self.compress = false
    }

    /// Applies what the opening exchange settled.
    public mutating func apply(_ session: NegotiatedSession) {
        limits = session.limits
        compress = session.compression
    }

    /// Encodes and writes one frame.
    public func write(_ envelope: Envelope) async throws {
        try await outbound.write(encode(envelope))
    }

    /// Encodes and writes several frames with a single flush.
    ///
    /// Frames flushed together leave in one TLS record and, when small, one TCP segment: an
    /// agent's heartbeat and host report then cost the controller one wake-up, one read and one
    /// record to decrypt instead of two of each.
    public func write(contentsOf envelopes: [Envelope]) async throws {
        switch envelopes.count {
        case 0: return
        case 1: try await write(envelopes[0])
        default: try await outbound.write(contentsOf: try envelopes.map(encode))
        }
    }

    /// The frame's bytes, for writing them some other way (``SessionFastPath``). Out of line, so
    /// the encoder's locals live on the thread's stack rather than in the async frames of the
    /// writing task: a task keeps the deepest frames it ever had allocated until it ends, which
    /// adds up over 10,000 sessions.
    @inline(never)
    public func encode(_ envelope: Envelope) throws -> ByteBuffer {
        let frame = try MessageCodec.frame(for: envelope)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(FrameHeader.size + frame.payload.readableBytes)
        let mayCompress = compress && frame.type != .hello && frame.type != .welcome
        try FrameEncoder.encode(frame, into: &buffer, limits: limits, compress: mayCompress)
        return buffer
    }
}
