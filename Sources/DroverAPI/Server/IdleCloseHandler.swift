import NIOCore
import NIOHTTP1

/// Closes a connection when `IdleStateHandler` reports neither reads nor writes for its
/// timeout, so idle keep-alive connections and stalled clients cannot hold connections open
/// forever — except while a request is with the router (its head read, no response head
/// written yet): a slow answer, such as hashing a new agent binary on a loaded machine, is the
/// server's wait, not the client's. A streamed download keeps writing, so it is not idle; a
/// client that stops reading one is.
///
/// Sits after the HTTP codec, so it sees request and response parts.
final class IdleCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests whose head was read and whose response head is not written yet.
    private var awaitingAnswer = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { awaitingAnswer += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head(let head) = unwrapOutboundIn(data), head.status.code >= 200, awaitingAnswer > 0 {
            awaitingAnswer -= 1
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all {
            if awaitingAnswer == 0 { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
