import NIOCore
import NIOPosix

/// One client connection in TCP mode: chooses a backend when the client connects, connects to
/// it on the same event loop, then glues the two channels with ``TCPGlueHandler``s.
/// Reads from the client wait until the upstream connection is up.
final class TCPProxyHandler: ChannelDuplexHandler, ProxyConnection {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let loop: ProxyLoopState
    private var context: ChannelHandlerContext?
    private var backend: Backend?
    private var glued = false
    private var readPending = false
    private var clientGlue: TCPGlueHandler?
    private var upstreamGlue: TCPGlueHandler?
    private var start = NIODeadline.now()
    private var connectMicros: UInt64?
    private var recorded = false

    init(loop: ProxyLoopState) {
        self.loop = loop
    }

    var currentBackendID: String? { backend?.id }

    func forceClose() {
        context?.close(promise: nil)
    }

    /// A TCP connection is never idle from the proxy's point of view: a graceful close waits
    /// for it (up to the timeout).
    func closeWhenIdle() {}

    /// TCP connections have no request heads or bodies to time; only the connection cap applies.
    func expire(now: NIODeadline) {}

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        loop.register(self)
        if context.channel.isActive { begin(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        loop.unregister(self)
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        begin(context: context)
        context.fireChannelActive()
    }

    private func begin(context: ChannelHandlerContext) {
        guard backend == nil else { return }
        let key = loop.selector.table.stickiness == nil ? nil : context.channel.remoteAddress?.ipAddress
        guard let backend = loop.route(stickyKey: key) else {
            context.close(promise: nil)
            return
        }
        self.backend = backend
        start = .now()
        let bootstrap = ClientBootstrap(group: context.eventLoop)
            .connectTimeout(loop.configuration.connectTimeout.timeAmount)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
        let connected =
            if let address = loop.addresses[backend.id] {
                bootstrap.connect(to: address)
            } else {
                bootstrap.connect(host: backend.host, port: backend.port)
            }
        connected.assumeIsolated().whenComplete { result in
            self.connected(result)
        }
    }

    private func connected(_ result: Result<any Channel, any Error>) {
        guard let context, context.channel.isActive else {
            if case .success(let channel) = result { channel.close(promise: nil) }
            return
        }
        switch result {
        case .success(let channel):
            connectMicros = UInt64(max(0, (NIODeadline.now() - start).nanoseconds / 1_000))
            let (client, upstream) = TCPGlueHandler.pair()
            do {
                try channel.pipeline.syncOperations.addHandler(upstream)
                try context.pipeline.syncOperations.addHandler(client)
            } catch {
                channel.close(promise: nil)
                context.close(promise: nil)
                return
            }
            clientGlue = client
            upstreamGlue = upstream
            glued = true
            if readPending {
                readPending = false
                context.read()
            }
        case .failure:
            recordOnce(connectFailed: true)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        recordOnce(connectFailed: false)
        backend = nil
        loop.unregister(self)
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if glued {
            context.read()
        } else {
            readPending = true
        }
    }

    private func recordOnce(connectFailed: Bool) {
        guard !recorded, let backend else { return }
        recorded = true
        let fromClient = UInt64(clientGlue?.bytesRead ?? 0)
        let toClient = UInt64(upstreamGlue?.bytesRead ?? 0)
        let micros = connectMicros
        loop.stats.record(version: backend.version) { metrics in
            metrics.requests &+= 1
            if connectFailed {
                metrics.errors &+= 1
                metrics.connectFailures &+= 1
            }
            metrics.bytesFromClients &+= fromClient
            metrics.bytesToClients &+= toClient
            if let micros { metrics.latency.record(microseconds: micros) }
        }
    }
}
