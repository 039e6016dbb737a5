import NIOCore

/// Sits between TLS and the HTTP decoder and tells ``APIConnectionGuard`` (further down the
/// pipeline) that request bytes arrived, before the decoder sees them: a head is only visible
/// once complete, but its deadline starts with its first byte.
final class RequestBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The event passed down the pipeline.
    struct BytesReceived: Sendable {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesReceived())
        context.fireChannelRead(data)
    }
}
