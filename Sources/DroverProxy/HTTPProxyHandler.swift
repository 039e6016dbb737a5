import NIOCore
import NIOHTTP1
import NIOPosix

/// Forwards one client connection's HTTP/1.1 requests, each to a backend chosen for that
/// request, over pooled keep-alive upstream connections on the same event loop. Bodies stream
/// both ways with backpressure; nothing is buffered whole.
///
/// Requests are answered one at a time, in order. A pipelined request that arrives while the
/// previous response is still coming is held (and reading stops) until that response is out.
/// This handler does that itself rather than through NIO's `HTTPServerPipelineHandler`, which
/// stops reading after every request and so costs two `epoll_ctl` calls per request.
final class HTTPProxyHandler: ChannelDuplexHandler, ProxyConnection {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase {
        case idle
        /// The proxy answered itself (502/503); the rest of the request body is dropped.
        case answeredLocally(keepAlive: Bool)
        case forwarding
    }

    private let loop: ProxyLoopState
    private var context: ChannelHandlerContext?
    private var phase = Phase.idle
    private var exchange: HTTPExchange?
    private var clientAddress: String?
    private var readPending = false
    /// Whether part of a response was written to the client since the last flush.
    private var clientUnflushed = false
    /// Parts of pipelined requests read while an earlier request was still being answered.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    private var deliveringQueued = false
    /// The decoder failed on bytes behind the queued requests: answer 400 once they are done.
    private var parseErrorQueued = false
    /// Set once the connection is to close after the response in flight; later requests are dropped.
    private var closeRequested = false
    private var attempts: UInt64 = 0
    /// The write of the last response's end, so closing waits for the response to go out.
    private var lastResponseEnd: EventLoopFuture<Void>?

    init(loop: ProxyLoopState) {
        self.loop = loop
    }

    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: ProxyConnection

    var currentBackendID: String? { exchange?.backend.id }

    func forceClose() {
        context?.close(promise: nil)
    }

    func closeWhenIdle() {
        if case .idle = phase { context?.close(promise: nil) }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        clientAddress = context.channel.remoteAddress?.ipAddress
        loop.register(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        loop.unregister(self)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange {
            // The client went away (or a drain closed it) mid-request.
            self.exchange = nil
            exchange.upstream?.owner = nil
            exchange.upstream?.close()
            record(exchange, status: exchange.status, failed: false)
        }
        phase = .idle
        loop.unregister(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        if awaitingResponse || !queued.isEmpty {
            // Malformed bytes behind a request still being answered: that answer goes out
            // first, then the 400 (as NIO's pipelining handler would order them).
            parseErrorQueued = true
            return
        }
        answerBadRequest(context: context)
    }

    /// Answers a request the decoder could not parse with a 400 (unless a response is already
    /// under way, which only a close can end) and closes, as NIO's
    /// `HTTPServerProtocolErrorHandler` does.
    private func answerBadRequest(context: ChannelHandlerContext) {
        parseErrorQueued = false
        if let exchange, exchange.responseStarted, !exchange.responseComplete {
            context.close(promise: nil)
            return
        }
        let headers = HTTPHeaders([("connection", "close"), ("content-length", "0")])
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))),
            promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        closeRequested = true
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if closeRequested { return }
        if !queued.isEmpty || awaitingResponse {
            // A pipelined request: it waits for the response in flight (reads stop meanwhile).
            queued.append(part)
            return
        }
        handle(part, context: context)
    }

    /// Whether the current request has been read whole and its response is not complete yet.
    private var awaitingResponse: Bool {
        guard case .forwarding = phase else { return false }
        return exchange?.requestComplete ?? true
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            startRequest(head, context: context)
        case .body(let body):
            guard case .forwarding = phase, exchange != nil else { return }
            exchange!.bytesFromClient += body.readableBytes
            if !exchange!.responseComplete { send(.body(.byteBuffer(body))) }
        case .end(let trailers):
            switch phase {
            case .idle:
                break
            case .answeredLocally(let keepAlive):
                finishLocally(keepAlive: keepAlive, context: context)
            case .forwarding:
                guard exchange != nil else { return }
                exchange!.requestComplete = true
                if exchange!.responseComplete {
                    finishExchange(reuseUpstream: false, context: context)
                } else {
                    send(.end(trailers))
                    exchange!.upstream?.flush()
                }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        exchange?.upstream?.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.upstream?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    /// Backpressure: stop reading the request body while the upstream cannot take it (or is
    /// still connecting).
    func read(context: ChannelHandlerContext) {
        if !queued.isEmpty || parseErrorQueued {
            readPending = true
            return
        }
        if case .forwarding = phase, let exchange, !exchange.responseComplete {
            guard let upstream = exchange.upstream, upstream.isWritable else {
                readPending = true
                return
            }
        }
        context.read()
    }

    // MARK: Requests

    private func startRequest(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard case .idle = phase else {
            // Pipelined requests are queued until the previous one is answered; anything else is a broken peer.
            context.close(promise: nil)
            return
        }
        let keepAlive = head.isKeepAlive && !loop.closing
        var stickyKey: String?
        var setCookie: String?
        switch loop.selector.table.stickiness {
        case nil:
            break
        case .cookie(let name):
            if let value = head.headers.cookie(named: name) {
                stickyKey = value
            } else {
                let value = loop.newStickyKey()
                stickyKey = value
                setCookie = "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax"
            }
        case .header(let name):
            stickyKey = head.headers.first(name: name)
        case .clientAddress:
            stickyKey = clientAddress
        }
        guard let backend = loop.route(stickyKey: stickyKey) else {
            answerLocally(.serviceUnavailable, version: head.version, keepAlive: keepAlive, context: context)
            phase = .answeredLocally(keepAlive: keepAlive)
            return
        }

        var headers = head.headers
        headers.removeHopByHop()
        if loop.configuration.addForwardedFor, let clientAddress {
            if let previous = headers.first(name: "x-forwarded-for") {
                headers.replaceOrAdd(name: "x-forwarded-for", value: "\(previous), \(clientAddress)")
            } else {
                headers.add(name: "x-forwarded-for", value: clientAddress)
            }
        }
        let upstreamHead = HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
        attempts &+= 1
        exchange = HTTPExchange(
            backend: backend, upstreamHead: upstreamHead, clientVersion: head.version, keepAlive: keepAlive,
            setCookie: setCookie, start: .now(), attempt: attempts)
        phase = .forwarding
        if let pooled = loop.pool.take(backendID: backend.id) {
            // The common case: straight onto a warm connection, nothing queued.
            attach(pooled, reused: true)
            pooled.write(.head(upstreamHead))
        } else {
            exchange!.pending.append(.head(upstreamHead))
            connect(to: backend, context: context)
        }
    }

    private func send(_ part: HTTPClientRequestPart) {
        if let upstream = exchange?.upstream {
            upstream.write(part)
        } else {
            exchange?.pending.append(part)
        }
    }

    private func connect(to backend: Backend, context: ChannelHandlerContext) {
        let bootstrap = ClientBootstrap(group: context.eventLoop)
            .connectTimeout(loop.configuration.connectTimeout.timeAmount)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHTTPClientHandlers() }
            }
        let connected =
            if let address = loop.addresses[backend.id] {
                bootstrap.connect(to: address)
            } else {
                bootstrap.connect(host: backend.host, port: backend.port)
            }
        let attempt = attempts
        connected.assumeIsolated().whenComplete { result in
            self.connected(result, attempt: attempt)
        }
    }

    private func connected(_ result: Result<any Channel, any Error>, attempt: UInt64) {
        guard let exchange, exchange.attempt == attempt, exchange.upstream == nil, case .forwarding = phase else {
            // The request this connection was for is gone; nobody else is waiting for it.
            if case .success(let channel) = result { channel.close(promise: nil) }
            return
        }
        switch result {
        case .success(let channel):
            let upstream = UpstreamHTTPHandler(backendID: exchange.backend.id, pool: loop.pool)
            do {
                try channel.pipeline.syncOperations.addHandler(upstream)
            } catch {
                channel.close(promise: nil)
                upstreamFailed(connectFailure: true)
                return
            }
            attach(upstream, reused: false)
        case .failure:
            upstreamFailed(connectFailure: true)
        }
    }

    private func attach(_ upstream: UpstreamHTTPHandler, reused: Bool) {
        guard exchange != nil else { return }
        upstream.owner = self
        exchange!.upstream = upstream
        exchange!.reused = reused
        for part in exchange!.pending { upstream.write(part) }
        exchange!.pending.removeAll()
        upstream.flush()
        if readPending, upstream.isWritable, let context {
            readPending = false
            context.read()
        }
    }

    // MARK: Upstream events (from UpstreamHTTPHandler)

    func upstreamResponseHead(_ head: HTTPResponseHead) {
        guard let context, var exchange = self.exchange else { return }
        exchange.responseStarted = true
        exchange.status = head.status.code
        var headers = head.headers
        headers.removeHopByHop()
        if exchange.clientVersion.minor == 0 && !headers.contains(name: "content-length") {
            // An HTTP/1.0 client can only see the end of an unsized body by the close.
            exchange.keepAlive = false
        }
        if loop.closing { exchange.keepAlive = false }  // tell the client before the close comes
        if let cookie = exchange.setCookie { headers.add(name: "set-cookie", value: cookie) }
        if !exchange.keepAlive {
            headers.add(name: "connection", value: "close")
        } else if exchange.clientVersion.minor == 0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        self.exchange = exchange
        let out = HTTPResponseHead(version: exchange.clientVersion, status: head.status, headers: headers)
        clientUnflushed = true
        context.write(wrapOutboundOut(.head(out)), promise: nil)
    }

    func upstreamResponseBody(_ body: ByteBuffer) {
        guard let context, exchange != nil else { return }
        exchange!.bytesToClient += body.readableBytes
        clientUnflushed = true
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
    }

    func upstreamReadComplete() {
        guard clientUnflushed, let context else { return }
        clientUnflushed = false
        context.flush()
    }

    func upstreamResponseEnd(_ trailers: HTTPHeaders?, reusable: Bool) {
        guard let context, exchange != nil else { return }
        exchange!.responseComplete = true
        clientUnflushed = false
        if exchange!.requestComplete && exchange!.keepAlive && !loop.closing {
            // The common case: the connection stays open, so nothing waits for this write.
            lastResponseEnd = nil
            context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
        } else {
            lastResponseEnd = context.writeAndFlush(wrapOutboundOut(.end(trailers)))
        }
        if exchange!.requestComplete {
            finishExchange(reuseUpstream: reusable, context: context)
        } else {
            // Answered before the whole request arrived: that connection is mid-request, so it
            // cannot be reused; the rest of the body is read and dropped.
            let upstream = exchange!.upstream
            exchange!.upstream = nil
            upstream?.owner = nil
            upstream?.close()
            resumeReading(context: context)
        }
    }

    func upstreamBecameWritable() {
        if let context { resumeReading(context: context) }
    }

    func upstreamClosed() {
        upstreamFailed(connectFailure: false)
    }

    /// The upstream connection failed or closed before the response was complete.
    private func upstreamFailed(connectFailure: Bool) {
        guard let context, var exchange else { return }
        exchange.upstream = nil
        if exchange.responseStarted {
            // Part of the response is out; the client can only learn of the failure by a close.
            self.exchange = nil
            record(exchange, status: 502, failed: false)
            context.close(promise: nil)
            return
        }
        if exchange.reused, !exchange.retried, exchange.bytesFromClient == 0 {
            // A pooled connection the backend had already closed (keep-alive timeout race):
            // nothing was consumed, so the request is sent again once on a fresh connection.
            attempts &+= 1
            var retry = HTTPExchange(
                backend: exchange.backend, upstreamHead: exchange.upstreamHead,
                clientVersion: exchange.clientVersion, keepAlive: exchange.keepAlive,
                setCookie: exchange.setCookie, start: exchange.start, attempt: attempts)
            retry.retried = true
            retry.requestComplete = exchange.requestComplete
            retry.pending = [.head(exchange.upstreamHead)]
            if exchange.requestComplete { retry.pending.append(.end(nil)) }
            self.exchange = retry
            connect(to: exchange.backend, context: context)
            return
        }
        self.exchange = nil
        record(exchange, status: 502, failed: connectFailure)
        answerLocally(.badGateway, version: exchange.clientVersion, keepAlive: exchange.keepAlive, context: context)
        if exchange.requestComplete {
            finishLocally(keepAlive: exchange.keepAlive, context: context)
        } else {
            phase = .answeredLocally(keepAlive: exchange.keepAlive)
            resumeReading(context: context)
        }
    }

    // MARK: Finishing

    private func finishExchange(reuseUpstream: Bool, context: ChannelHandlerContext) {
        guard let exchange else { return }
        self.exchange = nil
        phase = .idle
        record(exchange, status: exchange.status, failed: false)
        if let upstream = exchange.upstream {
            upstream.owner = nil
            if reuseUpstream { loop.pool.release(upstream) } else { upstream.close() }
        }
        if !exchange.keepAlive || loop.closing {
            closeAfterResponse(context: context)
        } else {
            deliverQueued(context: context)
        }
    }

    private func finishLocally(keepAlive: Bool, context: ChannelHandlerContext) {
        phase = .idle
        if !keepAlive || loop.closing {
            closeAfterResponse(context: context)
        } else {
            deliverQueued(context: context)
        }
    }

    /// Starts the requests that were pipelined behind the one just answered, in order, until
    /// one of them is in flight; then reads on.
    private func deliverQueued(context: ChannelHandlerContext) {
        // Re-entered when a queued request finishes at once (a local 503); the outer loop goes on.
        guard !deliveringQueued else { return }
        deliveringQueued = true
        while !queued.isEmpty, !awaitingResponse, !closeRequested {
            handle(queued.removeFirst(), context: context)
        }
        deliveringQueued = false
        if closeRequested { queued.removeAll() }
        if parseErrorQueued, queued.isEmpty, !awaitingResponse, !closeRequested {
            answerBadRequest(context: context)
            return
        }
        resumeReading(context: context)
    }

    /// Passes on a read held back while the upstream was busy; without it the connection
    /// would never read its next request.
    private func resumeReading(context: ChannelHandlerContext) {
        guard readPending, queued.isEmpty else { return }
        readPending = false
        context.read()
    }

    private func closeAfterResponse(context: ChannelHandlerContext) {
        closeRequested = true
        queued.removeAll()
        let written = lastResponseEnd ?? context.eventLoop.makeSucceededVoidFuture()
        written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Writes the proxy's own short answer (502, 503).
    private func answerLocally(
        _ status: HTTPResponseStatus, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        let text = "\(status.code) \(status.reasonPhrase)\n"
        var headers = HTTPHeaders([("content-type", "text/plain"), ("content-length", String(text.utf8.count))])
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        lastResponseEnd = context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }

    /// Counts a finished (or failed) request for its version.
    private func record(_ exchange: HTTPExchange, status: UInt, failed connect: Bool) {
        let micros = UInt64(max(0, (NIODeadline.now() - exchange.start).nanoseconds / 1_000))
        loop.stats.record(version: exchange.backend.version) { metrics in
            metrics.requests &+= 1
            if status >= 500 { metrics.errors &+= 1 }
            if connect { metrics.connectFailures &+= 1 }
            metrics.bytesFromClients &+= UInt64(exchange.bytesFromClient)
            metrics.bytesToClients &+= UInt64(exchange.bytesToClient)
            metrics.latency.record(microseconds: micros)
        }
    }
}
