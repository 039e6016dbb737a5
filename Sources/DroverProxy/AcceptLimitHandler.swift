import NIOCore
import Synchronization

/// On the listening channel: stops accepting while the service's connections are at their cap
/// and starts again when one closes, as HAProxy does at `maxconn`. Connections that arrive
/// meanwhile wait in the kernel's listen backlog rather than being accepted only to be closed,
/// so a burst is served late instead of refused, and a flood costs no file descriptors beyond
/// the cap. The listener accepts one connection per read, so the cap is exact; a connection
/// accepted past it all the same would be closed at once (and counted).
final class AcceptLimitHandler: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    private let limit: ConnectionLimit
    private var context: ChannelHandlerContext?
    /// A read the handler held back at the cap.
    private var readHeld = false

    init(limit: ConnectionLimit) {
        self.limit = limit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        guard limit.acquire() else {
            limit.refusedConnections.add(1, ordering: .relaxed)
            child.close(promise: nil)
            return
        }
        let limit = self.limit
        let listener = NIOLoopBound(self, eventLoop: context.eventLoop)
        let listenerLoop = context.eventLoop
        child.closeFuture.whenComplete { _ in
            if limit.release() { listenerLoop.execute { listener.value.resume() } }
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if limit.isFull {
            if !readHeld { limit.acceptPauses.add(1, ordering: .relaxed) }
            readHeld = true
            return
        }
        context.read()
    }

    /// A connection closed at the cap: accept again.
    private func resume() {
        guard readHeld, !limit.isFull, let context else { return }
        readHeld = false
        context.read()
    }
}
