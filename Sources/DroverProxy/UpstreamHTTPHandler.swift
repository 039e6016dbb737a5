import NIOCore
import NIOHTTP1

/// The proxy's end of one keep-alive connection to a backend. While leased it relays the
/// response to its owner (the client connection's ``HTTPProxyHandler``); while idle it sits in
/// the event loop's ``UpstreamPool``.
final class UpstreamHTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let backendID: String
    /// The client connection this one currently serves; `nil` while pooled.
    weak var owner: HTTPProxyHandler?
    private let pool: UpstreamPool
    private var context: ChannelHandlerContext?
    private var readPending = false
    private var responseKeepAlive = true
    /// Whether something was written since the last flush (a flush with nothing to send still
    /// walks the whole pipeline).
    private var unflushed = false

    init(backendID: String, pool: UpstreamPool) {
        self.backendID = backendID
        self.pool = pool
    }

    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func write(_ part: HTTPClientRequestPart) {
        guard let context else { return }
        unflushed = true
        context.write(wrapOutboundOut(part), promise: nil)
    }

    /// Sends what was written, if anything.
    func flush() {
        guard unflushed, let context else { return }
        unflushed = false
        context.flush()
    }

    func close() {
        context?.close(promise: nil)
    }

    /// Passes on a read held back while the client could not take more of the response.
    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let owner else {
            // A pooled connection has nothing to say; anything arriving means it is broken.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            responseKeepAlive = head.isKeepAlive
            owner.upstreamResponseHead(head)
        case .body(let body):
            owner.upstreamResponseBody(body)
        case .end(let trailers):
            owner.upstreamResponseEnd(trailers, reusable: responseKeepAlive)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        owner?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let owner {
            self.owner = nil
            owner.upstreamClosed()
        } else {
            pool.remove(self)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { owner?.upstreamBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    /// Backpressure: stop reading the response while the client cannot take it.
    func read(context: ChannelHandlerContext) {
        if let owner, !owner.clientIsWritable {
            readPending = true
        } else {
            context.read()
        }
    }
}
