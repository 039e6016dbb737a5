import DroverTLS
import NIOConcurrencyHelpers
import NIOCore

/// The last inbound handler in a test pipeline: records plaintext, TLS events, errors and closure,
/// and hands out futures to wait on. Thread-safe, so tests can inspect it from outside the loop.
///
/// Futures are created on demand and always completed by the time the handler is removed, so a
/// failing test cannot trip NIO's leaked-promise check.
public final class TLSRecorder: ChannelInboundHandler, Sendable {
    public typealias InboundIn = ByteBuffer

    private struct State {
        var received = ByteBuffer()
        var events: [TLSEvent] = []
        var errors: [any Error] = []
        var readCount = 0
        var isInactive = false
        var handshakeResult: Result<TLSPeerInfo, any Error>?
        var handshakeWaiters: [EventLoopPromise<TLSPeerInfo>] = []
        var inactiveWaiters: [EventLoopPromise<Void>] = []
        var byteWaiters: [(count: Int, promise: EventLoopPromise<ByteBuffer>)] = []
    }

    private let state = NIOLockedValueBox(State())
    private let eventLoop: any EventLoop

    /// A recorder whose futures live on `eventLoop`.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// All plaintext received so far, in order.
    public var received: ByteBuffer { state.withLockedValue { $0.received } }
    /// Every user event of type `TLSEvent`, in order.
    public var events: [TLSEvent] { state.withLockedValue { $0.events } }
    /// Every error that reached the end of the pipeline, in order.
    public var errors: [any Error] { state.withLockedValue { $0.errors } }
    /// Errors that are `TLSError`s, in order.
    public var tlsErrors: [TLSError] { errors.compactMap { $0 as? TLSError } }
    /// Number of channelRead calls.
    public var readCount: Int { state.withLockedValue { $0.readCount } }
    /// Whether channelInactive has been seen.
    public var isInactive: Bool { state.withLockedValue { $0.isInactive } }
    /// The peer info from `handshakeCompleted`, if seen.
    public var peerInfo: TLSPeerInfo? { try? state.withLockedValue { $0.handshakeResult }?.get() }

    /// Succeeds with the peer info on `handshakeCompleted`; fails with the first error or on close.
    public var handshake: EventLoopFuture<TLSPeerInfo> {
        let promise = eventLoop.makePromise(of: TLSPeerInfo.self)
        let result: Result<TLSPeerInfo, any Error>? = state.withLockedValue { state in
            if state.handshakeResult == nil { state.handshakeWaiters.append(promise) }
            return state.handshakeResult
        }
        if let result { promise.completeWith(result) }
        return promise.futureResult
    }

    /// Succeeds when the channel goes inactive (or the recorder is removed).
    public var inactive: EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let done: Bool = state.withLockedValue { state in
            if !state.isInactive { state.inactiveWaiters.append(promise) }
            return state.isInactive
        }
        if done { promise.succeed(()) }
        return promise.futureResult
    }

    /// Succeeds once at least `count` bytes have arrived (with all bytes so far); fails on close.
    public func waitForBytes(_ count: Int) -> EventLoopFuture<ByteBuffer> {
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        let outcome: Result<ByteBuffer, any Error>? = state.withLockedValue { state in
            if state.received.readableBytes >= count { return .success(state.received) }
            if state.isInactive { return .failure(ChannelError.eof) }
            state.byteWaiters.append((count, promise))
            return nil
        }
        if let outcome { promise.completeWith(outcome) }
        return promise.futureResult
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let satisfied: [(EventLoopPromise<ByteBuffer>, ByteBuffer)] = state.withLockedValue { state in
            state.readCount += 1
            state.received.writeBuffer(&buffer)
            let total = state.received.readableBytes
            let ready = state.byteWaiters.filter { $0.count <= total }.map { ($0.promise, state.received) }
            state.byteWaiters.removeAll { $0.count <= total }
            return ready
        }
        for (promise, bytes) in satisfied { promise.succeed(bytes) }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? TLSEvent else { return }
        state.withLockedValue { $0.events.append(event) }
        if case .handshakeCompleted(let info) = event { completeHandshake(.success(info)) }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.withLockedValue { $0.errors.append(error) }
        completeHandshake(.failure(error))
    }

    public func channelInactive(context: ChannelHandlerContext) {
        finish()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    private func completeHandshake(_ result: Result<TLSPeerInfo, any Error>) {
        let waiters: [EventLoopPromise<TLSPeerInfo>] = state.withLockedValue { state in
            guard state.handshakeResult == nil else { return [] }
            state.handshakeResult = result
            defer { state.handshakeWaiters.removeAll() }
            return state.handshakeWaiters
        }
        for waiter in waiters { waiter.completeWith(result) }
    }

    private func finish() {
        completeHandshake(.failure(ChannelError.eof))
        let (inactive, bytes) = state.withLockedValue { state in
            state.isInactive = true
            defer {
                state.inactiveWaiters.removeAll()
                state.byteWaiters.removeAll()
            }
            return (state.inactiveWaiters, state.byteWaiters)
        }
        for waiter in bytes { waiter.promise.fail(ChannelError.eof) }
        for waiter in inactive { waiter.succeed(()) }
    }
}
