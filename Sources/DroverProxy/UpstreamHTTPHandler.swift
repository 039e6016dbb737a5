import NIOCore

/// The proxy's end of one keep-alive connection to a backend. While leased it parses the
/// response's head and framing and relays it to its owner (the client connection's
/// ``HTTPProxyHandler``); while idle it sits in the event loop's ``UpstreamPool``.
final class UpstreamHTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let backendID: String
    /// The client connection this one currently serves; `nil` while pooled.
    weak var owner: HTTPProxyHandler?
    /// Whether the request in flight is a HEAD (its response has no body whatever it says).
    var requestIsHEAD = false
    private let pool: UpstreamPool
    private var context: ChannelHandlerContext?
    private var readPending = false
    /// Whether something was written since the last flush (a flush with nothing to send still
    /// walks the whole pipeline).
    private var unflushed = false
    /// Response bytes not yet handed on.
    private var inbound = ByteBuffer()
    private var head = HTTP1Head()
    /// The body of the response in flight, once its head is through.
    private var body: HTTP1BodyCursor?
    private var responseKeepAlive = true

    init(backendID: String, pool: UpstreamPool) {
        self.backendID = backendID
        self.pool = pool
    }

    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func write(_ bytes: ByteBuffer) {
        guard let context else { return }
        unflushed = true
        context.write(wrapOutboundOut(bytes), promise: nil)
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
        let bytes = unwrapInboundIn(data)
        guard owner != nil else {
            // A pooled connection has nothing to say; anything arriving means it is broken.
            context.close(promise: nil)
            return
        }
        if inbound.readableBytes == 0 {
            inbound = bytes
        } else {
            var bytes = bytes
            inbound.writeBuffer(&bytes)
        }
        do {
            try relay()
        } catch {
            // A response that is not HTTP/1.x: the owner sees the close (502 if nothing went out yet).
            inbound = ByteBuffer()
            context.close(promise: nil)
        }
    }

    /// Hands on what `inbound` holds: a head, then body bytes, until it is empty or the
    /// response is complete.
    private func relay() throws(HTTP1ParseError) {
        while inbound.readableBytes > 0, let owner {
            if body == nil {
                let complete = try inbound.withUnsafeReadableBytes { bytes throws(HTTP1ParseError) in
                    try HTTP1HeadParser.parseResponse(bytes, into: &head)
                }
                guard complete else { return }
                if head.status / 100 == 1 {
                    // 101 would switch protocols, which the proxy does not relay (it drops Upgrade).
                    guard head.status != 101 else { throw .malformed("unrequested protocol switch") }
                    inbound.withUnsafeReadableBytes { owner.upstreamInterimResponse(head, $0) }
                    inbound.moveReaderIndex(forwardBy: head.length)
                    continue
                }
                let framing = head.responseFraming(requestWasHEAD: requestIsHEAD)
                responseKeepAlive = head.keepAlive && framing != .untilClose
                let dechunk = inbound.withUnsafeReadableBytes { owner.upstreamResponseHead(head, $0, framing: framing) }
                inbound.moveReaderIndex(forwardBy: head.length)
                body = HTTP1BodyCursor(framing, dechunk: dechunk)
            } else {
                let content = try body!.take(from: &inbound) { owner.upstreamResponseBody($0) }
                owner.upstreamResponseContent(content)
            }
            if body?.isComplete == true {
                body = nil
                // Bytes behind a complete response were never asked for: that connection is off.
                let reusable = responseKeepAlive && inbound.readableBytes == 0
                inbound = ByteBuffer()
                owner.upstreamResponseEnd(reusable: reusable)
                return
            }
        }
        if inbound.readableBytes == 0 { inbound = ByteBuffer() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        owner?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let owner {
            self.owner = nil
            if body?.endsAtClose == true {
                // A response without length ends with its connection.
                body = nil
                owner.upstreamResponseEnd(reusable: false)
            } else {
                owner.upstreamClosed()
            }
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
