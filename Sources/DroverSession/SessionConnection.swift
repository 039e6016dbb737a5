import DroverTLS
import DroverWire
import NIOCore

/// The controller's side of a TLS connection carrying Drover frames: like ``FrameConnection``,
/// but its inbound stream already carries every ``SessionEvent`` (frames, ticks, shutdown
/// requests) from a ``SessionInputHandler``, so one task with one loop serves the session.
public struct SessionConnection: Sendable {
    /// The wrapped channel: session events in, encoded frames out.
    public let channel: NIOAsyncChannel<SessionEvent, ByteBuffer>
    /// Completes with the peer's identity once the TLS handshake and its checks passed.
    public let handshake: EventLoopFuture<TLSPeerInfo>
    /// The peer's address.
    public let remoteAddress: SocketAddress?
    private let pipeline: ChannelPipeline

    /// Builds `OpenSSLHandler → handshake observer → FrameDecoder → SessionInputHandler` on
    /// `channel` and wraps it. Call from a bootstrap's channel initializer. A handshake not
    /// finished within `handshakeTimeout` fails ``handshake`` with ``DeadlineExceeded`` and
    /// closes the channel.
    public static func configure(
        _ channel: any Channel,
        tls: OpenSSLHandler,
        limits: WireLimits,
        ticker: SessionTicker,
        handshakeTimeout: Duration = FrameConnection.defaultHandshakeTimeout
    ) throws -> SessionConnection {
        let promise = channel.eventLoop.makePromise(of: TLSPeerInfo.self)
        try channel.pipeline.syncOperations.addHandlers([
            tls,
            TLSHandshakeObserver(promise: promise, timeout: handshakeTimeout),
            ByteToMessageHandler(FrameDecoder(limits: limits)),
            SessionInputHandler(ticker: ticker),
        ])
        let asyncChannel = try NIOAsyncChannel<SessionEvent, ByteBuffer>(
            wrappingChannelSynchronously: channel,
            configuration: .init()
        )
        return SessionConnection(
            channel: asyncChannel, handshake: promise.futureResult, remoteAddress: channel.remoteAddress,
            pipeline: channel.pipeline)
    }

    /// Waits for the TLS handshake; throws the `TLSError` (or ``DeadlineExceeded``) if it failed.
    /// Cancelling the waiting task closes the connection.
    public func peer() async throws -> TLSPeerInfo {
        try await handshake.peer(closingOnCancel: channel.channel)
    }

    /// Asks the session to close gracefully with `reason`; safe from any thread.
    public func requestShutdown(reason: String) {
        pipeline.fireUserInboundEventTriggered(SessionInputHandler.ShutdownRequest(reason: reason))
    }

    /// Tells the input handler the opening phase is over (no Hello or enrollment deadline
    /// pending), so ticks stop until the peer goes quiet; safe from any thread.
    public func endOpeningPhase() {
        pipeline.fireUserInboundEventTriggered(SessionInputHandler.OpeningPhaseEnded())
    }

    /// Lets `fastPath` handle frames on the event loop from now on, ahead of the session task.
    /// Call from the session task running on the channel's event loop (``EventLoopTaskExecutor``);
    /// anywhere else it does nothing, and every frame keeps going to the task.
    public func installFastPath(_ fastPath: any SessionFastPath) {
        guard pipeline.eventLoop.inEventLoop else {
            assertionFailure("installFastPath called off the channel's event loop")
            return
        }
        do {
            try pipeline.syncOperations.handler(type: SessionInputHandler.self).install(fastPath)
        } catch {
            // The channel closed and its handlers are gone: the task sees the end of its stream.
        }
    }

    /// Asks the session to send `command` to its agent; safe from any thread.
    public func requestCommand(_ command: Drover_V1_Command) {
        pipeline.fireUserInboundEventTriggered(SessionInputHandler.CommandRequest(command: command))
    }

    /// Closes a connection that will not be used (failed handshake, refused peer).
    public func discard() async {
        try? await channel.executeThenClose { _, outbound in
            outbound.finish()
        }
    }
}
