import NIOCore

/// TLS for a NIO channel, running the system OpenSSL over two memory BIOs.
///
/// Client or server according to the context's role. Fires `TLSEvent.handshakeCompleted` once the
/// handshake and every post-handshake check (deny list, ALPN, CA pin) have passed, and `TLSError`
/// through `errorCaught` (then closes) when something fails.
public final class OpenSSLHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    enum State {
        /// Not started: the channel is not active yet.
        case idle
        case handshaking
        case active
        /// Our close_notify is sent; waiting for the peer's (with a timeout).
        case closing(EventLoopPromise<Void>?, Scheduled<Void>?)
        /// Terminal.
        case closed
    }

    /// One TLS record's worth of plaintext: each SSL_write_ex produces exactly one record.
    static let recordSize = 16 * 1024
    /// Upper bound for a single inbound plaintext buffer.
    static let maxReadBufferSize = 64 * 1024

    private let tlsContext: TLSContext
    private let serverHostname: String?
    private var connection: OpenSSLConnection?
    private var state: State = .idle
    /// Plaintext waiting for the handshake or for `flush`.
    private var pendingWrites = CircularBuffer<(ByteBuffer, EventLoopPromise<Void>?)>(initialCapacity: 8)
    private var pendingWriteBytes = 0
    private var flushRequested = false
    private var receivedCloseNotify = false
    private var outputClosed = false

    /// Peer identity and session facts, set once the handshake and its checks succeed.
    public private(set) var peerInfo: TLSPeerInfo?

    /// A handler for `context`'s role. Clients pass the name or IP they expect the server to prove.
    public init(context: TLSContext, serverHostname: String? = nil) {
        self.tlsContext = context
        self.serverHostname = context.configuration.role == .client ? serverHostname : nil
    }

    // MARK: - Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            startHandshake(context: context)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        if case .closing(let promise, let timer) = state {
            timer?.cancel()
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
        state = .closed
        failPendingWrites(ChannelError.ioOnClosedChannel)
        connection = nil  // frees SSL and both BIOs, exactly once
    }

    public func channelActive(context: ChannelHandlerContext) {
        startHandshake(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .idle, .closed:
            break
        case .handshaking:
            state = .closed
            failPendingWrites(TLSError.unexpectedEOFDuringHandshake)
            context.fireErrorCaught(TLSError.unexpectedEOFDuringHandshake)
        case .active:
            state = .closed
            failPendingWrites(ChannelError.ioOnClosedChannel)
            if !receivedCloseNotify {
                // EOF without close_notify: the peer may have been cut off (truncation).
                context.fireErrorCaught(TLSError.uncleanShutdown)
            }
        case .closing(let promise, let timer):
            // We asked to close and the channel is closed: good enough, even without their close_notify.
            timer?.cancel()
            state = .closed
            promise?.succeed(())
        }
        context.fireChannelInactive()
    }

    // MARK: - Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if case .idle = state { startHandshake(context: context) }
        switch state {
        case .handshaking, .active, .closing: break
        case .idle, .closed: return
        }
        guard let connection else { return }
        if let error = connection.feed(buffer) {
            fail(context: context, error: error, flushAlert: false)
            return
        }
        if case .handshaking = state {
            advanceHandshake(context: context, connection: connection)
        } else {
            readPlaintext(context: context, connection: connection)
        }
    }

    // MARK: - Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            let limit = tlsContext.configuration.maxBufferedBytesBeforeHandshake
            guard pendingWriteBytes + buffer.readableBytes <= limit else {
                promise?.fail(TLSError.bufferedWritesOverflow(limit: limit))
                return
            }
            enqueue(buffer, promise)
        case .active where !outputClosed:
            enqueue(buffer, promise)
        case .active, .closing, .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        switch state {
        case .idle, .handshaking:
            flushRequested = true
        case .active:
            encryptPendingWrites(context: context)
        case .closing, .closed:
            break
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .input {
            context.close(mode: mode, promise: promise)
            return
        }
        switch state {
        case .idle, .handshaking:
            // Nothing to protect yet: no close_notify before the handshake is done.
            if mode == .all { state = .closed }
            failPendingWrites(ChannelError.ioOnClosedChannel)
            context.close(mode: mode, promise: promise)
        case .active:
            beginShutdown(context: context, mode: mode, promise: promise)
        case .closing(let existing, let timer):
            guard let promise else { return }
            if let existing {
                existing.futureResult.cascade(to: promise)
            } else {
                state = .closing(promise, timer)
            }
        case .closed:
            context.close(mode: mode, promise: promise)
        }
    }

    // MARK: - Handshake

    private func startHandshake(context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        do {
            connection = try OpenSSLConnection(context: tlsContext, serverHostname: serverHostname)
        } catch {
            state = .handshaking
            fail(context: context, error: error, flushAlert: false)
            return
        }
        state = .handshaking
        if let connection { advanceHandshake(context: context, connection: connection) }
    }

    private func advanceHandshake(context: ChannelHandlerContext, connection: OpenSSLConnection) {
        switch connection.handshake() {
        case .wantRead:
            flushCiphertext(context: context, promise: nil)
        case .failed(let error):
            fail(context: context, error: error, flushAlert: true)  // carries OpenSSL's alert to the peer
        case .complete:
            switch connection.checkPeer() {
            case .failure(let error):
                // Refused after the fact (deny list on resumption, pin, ALPN): drop, send nothing more.
                fail(context: context, error: error, flushAlert: false)
            case .success(let info):
                state = .active
                peerInfo = info
                context.fireUserInboundEventTriggered(TLSEvent.handshakeCompleted(info))
                guard case .active = state else { return }
                if flushRequested {
                    flushRequested = false
                    encryptPendingWrites(context: context)  // also carries the handshake's last flight
                } else {
                    flushCiphertext(context: context, promise: nil)
                }
                guard case .active = state else { return }
                // Application data may have arrived in the same segment as the peer's Finished.
                readPlaintext(context: context, connection: connection)
                guard case .active = state else { return }
                connection.releaseHandshakeBuffers()
            }
        }
    }

    // MARK: - Reading

    /// SSL_read_ex until OpenSSL wants more input, one channelRead per filled buffer.
    private func readPlaintext(context: ChannelHandlerContext, connection: OpenSSLConnection) {
        var result = OpenSSLConnection.ReadResult.wantRead
        while true {
            let hint = connection.readableBytesHint
            if hint == 0 { break }
            var buffer = context.channel.allocator.buffer(capacity: min(max(hint, 1024), Self.maxReadBufferSize))
            var filled = false
            // Each iteration reads at least one byte or stops.
            while true {
                if buffer.writableBytes == 0 {
                    filled = true
                    break
                }
                result = connection.read(into: &buffer)
                guard case .bytesRead = result else { break }
            }
            if buffer.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
            }
            guard filled, isReadable else { break }
        }
        guard isReadable else { return }
        switch result {
        case .closeNotify:
            handleCloseNotify(context: context, connection: connection)
        case .failed(let error):
            fail(context: context, error: error, flushAlert: true)
        case .wantRead, .bytesRead:
            // Post-handshake messages (e.g. KeyUpdate) can produce output while reading.
            if connection.pendingOutboundBytes > 0 { flushCiphertext(context: context, promise: nil) }
        }
    }

    private var isReadable: Bool {
        switch state {
        case .active, .closing: return true
        case .idle, .handshaking, .closed: return false
        }
    }

    private func handleCloseNotify(context: ChannelHandlerContext, connection: OpenSSLConnection) {
        receivedCloseNotify = true
        context.fireUserInboundEventTriggered(TLSEvent.closeNotifyReceived)
        switch state {
        case .active:
            state = .closed
            _ = connection.shutdown()  // answer with our close_notify
            failPendingWrites(ChannelError.ioOnClosedChannel)
            flushCiphertext(context: context, promise: nil)
            context.close(promise: nil)
        case .closing(let promise, let timer):
            timer?.cancel()
            state = .closed
            context.close(promise: promise)
        case .idle, .handshaking, .closed:
            break
        }
    }

    // MARK: - Writing

    private func enqueue(_ buffer: ByteBuffer, _ promise: EventLoopPromise<Void>?) {
        pendingWrites.append((buffer, promise))
        pendingWriteBytes += buffer.readableBytes
    }

    /// Encrypts everything pending in ≤ 16 KiB records, then sends all ciphertext as one buffer.
    private func encryptPendingWrites(context: ChannelHandlerContext) {
        guard let connection else { return }
        var promises: [EventLoopPromise<Void>] = []
        var failure: TLSError? = nil
        // Small writes are coalesced so many frames share one record instead of one record each.
        var scratch: ByteBuffer? = nil
        while failure == nil, let (next, promise) = pendingWrites.popFirst() {
            var buffer = next
            pendingWriteBytes -= buffer.readableBytes
            if let promise { promises.append(promise) }
            while failure == nil, buffer.readableBytes > 0 {
                let scratchBytes = scratch?.readableBytes ?? 0
                if scratchBytes == 0 && (buffer.readableBytes >= Self.recordSize || pendingWrites.isEmpty) {
                    // Encrypt straight from the caller's buffer: no copy.
                    let length = min(buffer.readableBytes, Self.recordSize)
                    failure = buffer.withUnsafeReadableBytes { connection.write(UnsafeRawBufferPointer(rebasing: $0.prefix(length))) }
                    buffer.moveReaderIndex(forwardBy: length)
                } else {
                    if scratch == nil {
                        scratch = context.channel.allocator.buffer(capacity: min(pendingWriteBytes + buffer.readableBytes, Self.recordSize))
                    }
                    let length = min(Self.recordSize - scratchBytes, buffer.readableBytes)
                    var slice = buffer.readSlice(length: length)!
                    scratch!.writeBuffer(&slice)
                    if scratch!.readableBytes == Self.recordSize || (pendingWrites.isEmpty && buffer.readableBytes == 0) {
                        failure = scratch!.withUnsafeReadableBytes { connection.write($0) }
                        scratch!.clear()
                    }
                }
            }
        }
        if failure == nil, let pending = scratch, pending.readableBytes > 0 {
            failure = pending.withUnsafeReadableBytes { connection.write($0) }
        }
        if let failure {
            for promise in promises { promise.fail(failure) }
            fail(context: context, error: failure, flushAlert: true)
            return
        }
        flushCiphertext(context: context, promise: Self.aggregate(promises, on: context.eventLoop))
    }

    /// Writes and flushes all ciphertext OpenSSL produced, as one buffer.
    private func flushCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard let connection, connection.pendingOutboundBytes > 0 else {
            promise?.succeed(())
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: connection.pendingOutboundBytes)
        connection.drainOutbound(into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
        context.flush()
    }

    private static func aggregate(_ promises: [EventLoopPromise<Void>], on eventLoop: any EventLoop) -> EventLoopPromise<Void>? {
        switch promises.count {
        case 0: return nil
        case 1: return promises[0]
        default:
            let combined = eventLoop.makePromise(of: Void.self)
            combined.futureResult.whenComplete { result in
                for promise in promises { promise.completeWith(result) }
            }
            return combined
        }
    }

    private func failPendingWrites(_ error: any Error) {
        pendingWriteBytes = 0
        // popFirst shrinks the buffer each time, so this terminates.
        while let (_, promise) = pendingWrites.popFirst() {
            promise?.fail(error)
        }
    }

    // MARK: - Closing

    private func beginShutdown(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard let connection else {
            state = .closed
            context.close(mode: mode, promise: promise)
            return
        }
        // Unflushed writes are failed on close, as NIO does for plain channels.
        failPendingWrites(ChannelError.ioOnClosedChannel)
        switch connection.shutdown() {
        case .failed:
            state = .closed
            context.close(mode: .all, promise: promise)
        case .complete:
            state = .closed
            flushCiphertext(context: context, promise: nil)
            context.close(mode: mode, promise: promise)
        case .sent:
            flushCiphertext(context: context, promise: nil)
            if mode == .output {
                // Half-close: our side is done, reads continue until the peer's close_notify.
                outputClosed = true
                context.close(mode: .output, promise: promise)
                return
            }
            guard case .active = state else {
                // Flushing failed and closed us already.
                promise?.fail(ChannelError.ioOnClosedChannel)
                return
            }
            let timeout = tlsContext.configuration.closeNotifyTimeout
            let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                self.closeNotifyTimedOut(context: context)
            }
            state = .closing(promise, timer)
        }
    }

    private func closeNotifyTimedOut(context: ChannelHandlerContext) {
        guard case .closing(let promise, _) = state else { return }
        state = .closed
        context.fireErrorCaught(TLSError.closeNotifyTimeout)
        context.close(promise: nil)
        promise?.fail(TLSError.closeNotifyTimeout)
    }

    private func fail(context: ChannelHandlerContext, error: any Error, flushAlert: Bool) {
        var closePromise: EventLoopPromise<Void>? = nil
        switch state {
        case .closed:
            return
        case .closing(let promise, let timer):
            timer?.cancel()
            closePromise = promise
        case .idle, .handshaking, .active:
            break
        }
        if flushAlert { flushCiphertext(context: context, promise: nil) }
        state = .closed
        failPendingWrites(error)
        context.fireErrorCaught(error)
        context.close(promise: closePromise)
    }
}

@available(*, unavailable)
extension OpenSSLHandler: Sendable {}
