import NIOCore
import NIOPosix
import Synchronization

/// Forwards one client connection's HTTP/1.1 requests, each to a backend chosen for that
/// request, over pooled keep-alive upstream connections on the same event loop. Bodies stream
/// both ways with backpressure; nothing is buffered whole.
///
/// The handler works on the connection's bytes itself (``HTTP1HeadParser``): a head is parsed
/// in place, forwarded with its hop-by-hop fields dropped and the proxy's own added, and bodies
/// pass through as slices of what was read, their framing followed but not rebuilt. An HTTP
/// codec in the pipeline would decode every field into strings and encode them again.
///
/// Requests are answered one at a time, in order. Bytes of a pipelined request that arrive
/// while the previous response is still coming wait (and reading stops) until that response is
/// out.
final class HTTPProxyHandler: ChannelDuplexHandler, ProxyConnection {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

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
    /// A response head not written yet, so the body bytes read with it join it in one write.
    private var clientOut: ByteBuffer?
    /// Bytes read from the client and not handled yet: the rest of a request, or pipelined ones.
    private var inbound = ByteBuffer()
    private var head = HTTP1Head()
    /// The body of the request being read, until its last byte is through.
    private var requestBody: HTTP1BodyCursor?
    private var processing = false
    private var processAgain = false
    /// Set once the connection is to close after the response in flight; later requests are dropped.
    private var closeRequested = false
    private var attempts: UInt64 = 0
    /// The write of the last response's end, so closing waits for the response to go out.
    private var lastResponseEnd: EventLoopFuture<Void>?
    /// Since when the connection has waited for what it waits for now: the head (from the
    /// connection's start, or a later head's first byte), the next request, or body progress.
    private var since = NIODeadline.now()
    /// Whether a request has finished on this connection (waiting for the next is idling).
    private var finishedOne = false

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
        if case .idle = phase, requestBody == nil { context?.close(promise: nil) }
    }

    func expire(now: NIODeadline) {
        guard !closeRequested, let context else { return }
        if requestBody != nil {
            // Reading held back by the proxy (a slow backend) is not the client's stall.
            guard !readPending, now - since >= loop.bodyTimeout else { return }
            loop.limit.bodyTimeouts.add(1, ordering: .relaxed)
            bodyTimedOut(context: context)
            return
        }
        guard case .idle = phase else { return }  // a response is on its way
        if inbound.readableBytes > 0 || !finishedOne {
            guard now - since >= loop.headTimeout else { return }
            loop.limit.headTimeouts.add(1, ordering: .relaxed)
            answerBadRequest(.requestTimeout, context: context)
        } else {
            guard now - since >= loop.idleTimeout else { return }
            loop.limit.idleTimeouts.add(1, ordering: .relaxed)
            closeRequested = true
            context.close(promise: nil)
        }
    }

    /// A request body stalled: the backend has part of it, so both connections close; the
    /// client gets a 408 if nothing of a response went out yet.
    private func bodyTimedOut(context: ChannelHandlerContext) {
        requestBody = nil
        var answered = false
        if case .answeredLocally = phase { answered = true }
        if let exchange {
            self.exchange = nil
            exchange.upstream?.owner = nil
            exchange.upstream?.close()
            record(exchange, status: 408, failed: false)
            answered = answered || exchange.responseStarted
        }
        phase = .idle
        if answered {
            closeRequested = true
            context.close(promise: nil)
        } else {
            answerBadRequest(.requestTimeout, context: context)
        }
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
        requestBody = nil
        inbound = ByteBuffer()
        loop.unregister(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if closeRequested { return }
        if requestBody != nil {
            since = .now()  // body progress
        } else if finishedOne, inbound.readableBytes == 0, case .idle = phase {
            since = .now()  // a later request's head starts
        }
        if inbound.readableBytes == 0 {
            inbound = unwrapInboundIn(data)
        } else {
            var bytes = unwrapInboundIn(data)
            inbound.writeBuffer(&bytes)
        }
        process(context: context)
    }

    /// Whether the current request has been read whole and its response is not complete yet.
    private var awaitingResponse: Bool {
        guard case .forwarding = phase else { return false }
        return requestBody == nil
    }

    /// Handles what `inbound` holds: a request head, then its body, then the next request once
    /// the previous one is answered — until it runs out of bytes or has to wait.
    private func process(context: ChannelHandlerContext) {
        // Re-entered when a request finishes at once (a local 503); the outer loop goes on.
        if processing {
            processAgain = true
            return
        }
        processing = true
        defer { processing = false }
        repeat {
            processAgain = false
            while !closeRequested, inbound.readableBytes > 0 {
                if requestBody != nil {
                    do {
                        let content = try requestBody!.take(from: &inbound) { forwardBody($0) }
                        if exchange != nil { exchange!.bytesFromClient += content }
                    } catch {
                        // The request's own framing is broken: nothing after it can be trusted.
                        requestBody = nil
                        badRequestBody(context: context)
                        return
                    }
                    guard requestBody!.isComplete else { break }
                    requestBody = nil
                    requestEnded(context: context)
                    continue
                }
                guard case .idle = phase else { break }  // a pipelined request waits its turn
                let complete: Bool
                do {
                    complete = try inbound.withUnsafeReadableBytes { bytes throws(HTTP1ParseError) in
                        try HTTP1HeadParser.parseRequest(bytes, into: &head)
                    }
                } catch {
                    answerBadRequest(
                        error == .headTooLarge ? .requestHeaderFieldsTooLarge : .badRequest, context: context)
                    return
                }
                guard complete else { break }
                let framing = head.requestFraming
                // What the request needs from its head is taken out first: starting it writes
                // and may fail at once, which must not happen while `inbound` is being read.
                let request = inbound.withUnsafeReadableBytes { prepareRequest($0, context: context) }
                inbound.moveReaderIndex(forwardBy: head.length)
                startRequest(request, context: context)
                since = .now()
                requestBody = HTTP1BodyCursor(framing)
                if requestBody!.isComplete {
                    requestBody = nil
                    requestEnded(context: context)
                }
            }
        } while processAgain
        if inbound.readableBytes == 0 { inbound = ByteBuffer() }
        resumeReading(context: context)
    }

    /// Request body bytes: on to the backend, or dropped when the request is answered already.
    private func forwardBody(_ bytes: ByteBuffer) {
        guard case .forwarding = phase, exchange != nil else { return }
        exchange!.bodySent = true
        if !exchange!.responseComplete { send(bytes) }
    }

    /// The whole request is read.
    private func requestEnded(context: ChannelHandlerContext) {
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
                exchange!.upstream?.flush()
            }
        }
    }

    /// A request body whose chunked framing is broken: the backend has part of it, so only
    /// closing both connections ends it.
    private func badRequestBody(context: ChannelHandlerContext) {
        if let exchange, exchange.responseStarted {
            context.close(promise: nil)
            return
        }
        if let exchange {
            self.exchange = nil
            exchange.upstream?.owner = nil
            exchange.upstream?.close()
            record(exchange, status: 400, failed: false)
        }
        phase = .idle
        answerBadRequest(.badRequest, context: context)
    }

    /// Answers a request that cannot be parsed with a 400 (431 for an oversized head, 408 for
    /// one too slow) and closes, as NIO's `HTTPServerProtocolErrorHandler` does.
    private func answerBadRequest(_ status: LocalStatus, context: ChannelHandlerContext) {
        closeRequested = true
        inbound = ByteBuffer()
        var out = context.channel.allocator.buffer(capacity: 96)
        status.writeStatusLine(minor: 1, into: &out)
        out.writeStaticString("connection: close\r\ncontent-length: 0\r\n\r\n")
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        context.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        exchange?.upstream?.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.upstream?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    /// Backpressure: stop reading while a pipelined request waits its turn, and the request
    /// body while the upstream cannot take it (or is still connecting).
    func read(context: ChannelHandlerContext) {
        if awaitingResponse, inbound.readableBytes > 0 {
            readPending = true
            return
        }
        if case .forwarding = phase, let exchange, !exchange.responseComplete, requestBody != nil {
            guard let upstream = exchange.upstream, upstream.isWritable else {
                readPending = true
                return
            }
        }
        context.read()
    }

    // MARK: Requests

    /// What routing and forwarding a request need from its head.
    private struct PreparedRequest {
        var upstreamHead: ByteBuffer
        var stickyKey: String?
        var setCookie: String?
        var minor: UInt8
        var isHEAD: Bool
        var isCONNECT: Bool
        var keepAlive: Bool
    }

    /// Takes from the head just parsed (`bytes` are the head's) the upstream head, the sticky
    /// key and what the answer depends on.
    private func prepareRequest(_ bytes: UnsafeRawBufferPointer, context: ChannelHandlerContext) -> PreparedRequest {
        var stickyKey: String?
        var setCookie: String?
        switch loop.selector.table.stickiness {
        case nil:
            break
        case .cookie(let name):
            if let value = head.cookie(named: name, in: bytes) {
                stickyKey = value
            } else {
                let value = loop.newStickyKey()
                stickyKey = value
                setCookie = "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax"
            }
        case .header(let name):
            stickyKey = head.value(ofField: name, in: bytes)
        case .clientAddress:
            stickyKey = clientAddress
        }
        var upstreamHead = context.channel.allocator.buffer(capacity: head.length + 64)
        HTTP1HeadWriter.writeRequest(
            head, bytes, forwardedFor: loop.configuration.addForwardedFor ? clientAddress : nil, into: &upstreamHead)
        return PreparedRequest(
            upstreamHead: upstreamHead, stickyKey: stickyKey, setCookie: setCookie, minor: head.minor,
            isHEAD: head.isHEAD, isCONNECT: head.isCONNECT, keepAlive: head.keepAlive && !loop.closing)
    }

    /// Routes a request and sends its head on, or answers it locally.
    private func startRequest(_ request: PreparedRequest, context: ChannelHandlerContext) {
        if request.isCONNECT {
            // A tunnel has no HTTP framing to follow; the proxy serves requests only.
            answerLocally(.methodNotAllowed, minor: request.minor, isHEAD: false, keepAlive: false, context: context)
            phase = .answeredLocally(keepAlive: false)
            return
        }
        let keepAlive = request.keepAlive
        let upstreamHead = request.upstreamHead
        guard let backend = loop.route(stickyKey: request.stickyKey) else {
            answerLocally(
                .serviceUnavailable, minor: request.minor, isHEAD: request.isHEAD, keepAlive: keepAlive,
                context: context)
            phase = .answeredLocally(keepAlive: keepAlive)
            return
        }
        attempts &+= 1
        exchange = HTTPExchange(
            backend: backend, upstreamHead: upstreamHead, clientMinor: request.minor, isHEAD: request.isHEAD,
            keepAlive: keepAlive, setCookie: request.setCookie, start: .now(), attempt: attempts)
        phase = .forwarding
        if let pooled = loop.pool.take(backendID: backend.id) {
            // The common case: straight onto a warm connection, nothing queued.
            attach(pooled, reused: true)
            pooled.write(upstreamHead)
        } else {
            exchange!.pending.append(upstreamHead)
            connect(to: backend, context: context)
        }
    }

    private func send(_ bytes: ByteBuffer) {
        if let upstream = exchange?.upstream {
            upstream.write(bytes)
        } else {
            exchange?.pending.append(bytes)
        }
    }

    private func connect(to backend: Backend, context: ChannelHandlerContext) {
        let bootstrap = ClientBootstrap(group: context.eventLoop)
            .connectTimeout(loop.configuration.connectTimeout.timeAmount)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
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
        upstream.requestIsHEAD = exchange!.isHEAD
        exchange!.upstream = upstream
        exchange!.reused = reused
        for bytes in exchange!.pending { upstream.write(bytes) }
        exchange!.pending.removeAll()
        upstream.flush()
        if readPending, upstream.isWritable, let context {
            readPending = false
            since = .now()
            context.read()
        }
    }

    // MARK: Upstream events (from UpstreamHTTPHandler)

    /// A 1xx response ahead of the final one (100 Continue): an HTTP/1.1 client gets it.
    func upstreamInterimResponse(_ head: HTTP1Head, _ bytes: UnsafeRawBufferPointer) {
        guard let context, let exchange, exchange.clientMinor == 1 else { return }
        var out = context.channel.allocator.buffer(capacity: head.length)
        HTTP1HeadWriter.writeResponse(
            head, bytes, clientMinor: 1, dechunked: false, setCookie: nil, connection: .none, into: &out)
        clientUnflushed = true
        context.write(wrapOutboundOut(out), promise: nil)
    }

    /// The final response's head (`bytes` are its bytes): on to the client in the client's
    /// version. Returns whether the body is to go out without its chunked framing.
    func upstreamResponseHead(_ head: HTTP1Head, _ bytes: UnsafeRawBufferPointer, framing: HTTP1Head.Framing) -> Bool {
        guard let context, var exchange = self.exchange else { return false }
        exchange.responseStarted = true
        exchange.status = UInt(head.status)
        // An HTTP/1.0 client knows no chunks: it gets the data, and the close ends it. A body
        // that ends with the backend's connection can only end the client's too.
        let dechunk = exchange.clientMinor == 0 && framing == .chunked
        if dechunk || framing == .untilClose { exchange.keepAlive = false }
        if loop.closing { exchange.keepAlive = false }  // tell the client before the close comes
        let connection: HTTP1HeadWriter.ConnectionField =
            !exchange.keepAlive ? .close : exchange.clientMinor == 0 ? .keepAlive : .none
        var out = context.channel.allocator.buffer(capacity: head.length + 96)
        HTTP1HeadWriter.writeResponse(
            head, bytes, clientMinor: exchange.clientMinor, dechunked: dechunk, setCookie: exchange.setCookie,
            connection: connection, into: &out)
        self.exchange = exchange
        clientUnflushed = true
        clientOut = out
        return dechunk
    }

    func upstreamResponseBody(_ body: ByteBuffer) {
        guard let context else { return }
        clientUnflushed = true
        if clientOut != nil, body.readableBytes <= Self.coalesceLimit {
            // A small body goes out with its head: one buffer, one iovec.
            clientOut!.writeImmutableBuffer(body)
            return
        }
        writeClientOut(context: context)
        context.write(wrapOutboundOut(body), promise: nil)
    }

    /// Bodies up to this size are copied behind their head rather than written on their own.
    private static let coalesceLimit = 4096

    private func writeClientOut(context: ChannelHandlerContext) {
        guard let out = clientOut else { return }
        clientOut = nil
        context.write(wrapOutboundOut(out), promise: nil)
    }

    /// Bytes of response content relayed (for the statistics; chunked framing not counted).
    func upstreamResponseContent(_ count: Int) {
        if exchange != nil { exchange!.bytesToClient += count }
    }

    func upstreamReadComplete() {
        guard clientUnflushed, let context else { return }
        clientUnflushed = false
        writeClientOut(context: context)
        context.flush()
    }

    func upstreamResponseEnd(reusable: Bool) {
        guard let context, exchange != nil else { return }
        exchange!.responseComplete = true
        clientUnflushed = false
        writeClientOut(context: context)
        if exchange!.requestComplete && exchange!.keepAlive && !loop.closing {
            // The common case: the connection stays open, so nothing waits for this write.
            lastResponseEnd = nil
            context.flush()
        } else {
            // An empty write completes once everything before it is out.
            lastResponseEnd = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)))
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
        writeClientOut(context: context)
        if exchange.responseStarted {
            // Part of the response is out; the client can only learn of the failure by a close.
            self.exchange = nil
            record(exchange, status: 502, failed: false)
            context.close(promise: nil)
            return
        }
        if exchange.reused, !exchange.retried, !exchange.bodySent {
            // A pooled connection the backend had already closed (keep-alive timeout race):
            // nothing was consumed, so the request is sent again once on a fresh connection.
            attempts &+= 1
            self.exchange = exchange.retry(attempt: attempts)
            connect(to: exchange.backend, context: context)
            return
        }
        self.exchange = nil
        record(exchange, status: 502, failed: connectFailure)
        answerLocally(
            .badGateway, minor: exchange.clientMinor, isHEAD: exchange.isHEAD, keepAlive: exchange.keepAlive,
            context: context)
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
        finishedOne = true
        since = .now()
        record(exchange, status: exchange.status, failed: false)
        if let upstream = exchange.upstream {
            upstream.owner = nil
            if reuseUpstream { loop.pool.release(upstream) } else { upstream.close() }
        }
        if !exchange.keepAlive || loop.closing {
            closeAfterResponse(context: context)
        } else {
            process(context: context)
        }
    }

    private func finishLocally(keepAlive: Bool, context: ChannelHandlerContext) {
        phase = .idle
        finishedOne = true
        since = .now()
        if !keepAlive || loop.closing {
            closeAfterResponse(context: context)
        } else {
            process(context: context)
        }
    }

    /// Passes on a read held back while the upstream was busy or a pipelined request waited;
    /// without it the connection would never read its next request.
    private func resumeReading(context: ChannelHandlerContext) {
        guard readPending, !(awaitingResponse && inbound.readableBytes > 0) else { return }
        readPending = false
        since = .now()
        context.read()
    }

    private func closeAfterResponse(context: ChannelHandlerContext) {
        closeRequested = true
        inbound = ByteBuffer()
        let written = lastResponseEnd ?? context.eventLoop.makeSucceededVoidFuture()
        written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// The statuses the proxy answers itself.
    enum LocalStatus {
        case badRequest
        case requestTimeout
        case requestHeaderFieldsTooLarge
        case methodNotAllowed
        case badGateway
        case serviceUnavailable

        /// Status code and reason phrase; also the body of the proxy's own answers.
        var text: StaticString {
            switch self {
            case .badRequest: "400 Bad Request"
            case .requestTimeout: "408 Request Timeout"
            case .requestHeaderFieldsTooLarge: "431 Request Header Fields Too Large"
            case .methodNotAllowed: "405 Method Not Allowed"
            case .badGateway: "502 Bad Gateway"
            case .serviceUnavailable: "503 Service Unavailable"
            }
        }

        /// Writes the status line in HTTP/1.`minor`.
        func writeStatusLine(minor: UInt8, into out: inout ByteBuffer) {
            out.writeStaticString(minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
            out.writeStaticString(text)
            out.writeStaticString("\r\n")
        }
    }

    /// Writes the proxy's own short answer (502, 503), in the client's version.
    private func answerLocally(
        _ status: LocalStatus, minor: UInt8, isHEAD: Bool, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        var out = context.channel.allocator.buffer(capacity: 160)
        status.writeStatusLine(minor: minor, into: &out)
        out.writeStaticString("content-type: text/plain\r\ncontent-length: ")
        out.writeString(String(status.text.utf8CodeUnitCount + 1))
        out.writeStaticString(
            keepAlive
                ? (minor == 0 ? "\r\nconnection: keep-alive\r\n\r\n" : "\r\n\r\n") : "\r\nconnection: close\r\n\r\n")
        if !isHEAD {
            out.writeStaticString(status.text)
            out.writeStaticString("\n")
        }
        lastResponseEnd = context.writeAndFlush(wrapOutboundOut(out))
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
