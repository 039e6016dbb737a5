import DroverTLS
import NIOCore

/// Completes a promise with the peer's TLS identity when the handshake (and every
/// post-handshake check) has passed, or fails it with the TLS error — or with
/// ``DeadlineExceeded`` and a closed channel when the handshake has not finished within its
/// time limit.
///
/// Sits right after `OpenSSLHandler`, so the async code above the channel can learn the
/// negotiated ALPN protocol and the client certificate before reading frames.
///
/// Why the deadline lives here and not around the awaiting task: a future's `get()` ignores
/// task cancellation, so a task-level deadline only fired once the handshake had ended anyway —
/// and then threw away a handshake that had succeeded late. In a reconnect storm (a whole fleet
/// handshaking at once) that discarded exactly the work the storm was waiting for. A timer on the
/// event loop closes the connection when the limit passes and costs no task.
final class TLSHandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let promise: EventLoopPromise<TLSPeerInfo>
    private let timeout: Duration
    private var timer: Scheduled<Void>?
    private var done = false

    /// An observer completing `promise`; the handshake must finish within `timeout` of the
    /// handler joining the pipeline.
    init(promise: EventLoopPromise<TLSPeerInfo>, timeout: Duration) {
        self.promise = promise
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timeout = self.timeout
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(max(0, timeout.nanoseconds))) {
            let (handler, context) = bound.value
            guard !handler.done else { return }
            handler.fail(DeadlineExceeded(what: "TLS handshake", after: timeout))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSEvent, case .handshakeCompleted(let info) = tlsEvent, !done {
            finish()
            promise.succeed(info)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(TLSError.unexpectedEOFDuringHandshake)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(ChannelError.ioOnClosedChannel)
    }

    private func fail(_ error: any Error) {
        guard !done else { return }
        finish()
        promise.fail(error)
    }

    private func finish() {
        done = true
        timer?.cancel()
        timer = nil
    }
}

extension EventLoopFuture where Value == TLSPeerInfo {
    /// Waits for the handshake's outcome; cancelling the waiting task closes `channel` (a future's
    /// `get()` alone would wait on through the cancellation).
    func peer(closingOnCancel channel: any Channel) async throws -> TLSPeerInfo {
        try await withTaskCancellationHandler {
            try await get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}
