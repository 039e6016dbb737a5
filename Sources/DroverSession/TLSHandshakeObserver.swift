import DroverTLS
import NIOCore

/// Completes a promise with the peer's TLS identity when the handshake (and every
/// post-handshake check) has passed, or fails it with the TLS error.
///
/// Sits right after `OpenSSLHandler`, so the async code above the channel can learn the
/// negotiated ALPN protocol and the client certificate before reading frames.
final class TLSHandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let promise: EventLoopPromise<TLSPeerInfo>
    private var done = false

    init(promise: EventLoopPromise<TLSPeerInfo>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSEvent, case .handshakeCompleted(let info) = tlsEvent, !done {
            done = true
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
        done = true
        promise.fail(error)
    }
}
