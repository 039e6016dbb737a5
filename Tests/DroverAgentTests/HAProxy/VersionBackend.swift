import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny HTTP backend on 127.0.0.1 answering with its version name: `/` (200 and the
/// version), `/status/CODE` (that status), `/held` (answered only when the test calls
/// ``releaseHeld()``). Counts the requests it received.
final class VersionBackend: Sendable {
    let version: String
    let port: Int
    private let channel: any Channel
    private let shared: Shared

    final class Shared: Sendable {
        let requests = Atomic(0)
        let held = Mutex<[@Sendable () -> Void]>([])
        let heldArrived = Atomic(0)
    }

    private init(version: String, port: Int, channel: any Channel, shared: Shared) {
        self.version = version
        self.port = port
        self.channel = channel
        self.shared = shared
    }

    /// Requests received so far.
    var requests: Int { shared.requests.load(ordering: .relaxed) }
    /// `/held` requests received so far.
    var heldArrived: Int { shared.heldArrived.load(ordering: .relaxed) }

    /// Sends the answers of the `/held` requests received so far.
    func releaseHeld() {
        for answer in shared.held.withLock({ list in
            defer { list = [] }
            return list
        }) { answer() }
    }

    static func start(version: String) async throws -> VersionBackend {
        let shared = Shared()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(version: version, shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw ChannelError.inappropriateOperationForState }
        return VersionBackend(version: version, port: port, channel: channel, shared: shared)
    }

    func stop() async {
        releaseHeld()
        try? await channel.close()
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let version: String
        let shared: Shared
        var uri = "/"

        init(version: String, shared: Shared) {
            self.version = version
            self.shared = shared
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                uri = head.uri
            case .body:
                break
            case .end:
                shared.requests.add(1, ordering: .relaxed)
                if uri == "/held" {
                    shared.heldArrived.add(1, ordering: .relaxed)
                    let loop = context.eventLoop
                    let answer = NIOLoopBound((context, self), eventLoop: loop)
                    shared.held.withLock {
                        $0.append {
                            loop.execute {
                                let (context, handler) = answer.value
                                handler.respond(context: context, status: .ok)
                            }
                        }
                    }
                } else if uri.hasPrefix("/status/"), let code = Int(uri.dropFirst("/status/".count)) {
                    respond(context: context, status: HTTPResponseStatus(statusCode: code))
                } else {
                    respond(context: context, status: .ok)
                }
            }
        }

        func respond(context: ChannelHandlerContext, status: HTTPResponseStatus) {
            let body = ByteBuffer(string: version)
            var headers = HTTPHeaders([("content-type", "text/plain")])
            headers.add(name: "content-length", value: String(body.readableBytes))
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// Runs `body` with backends of the given versions, stopping them on every path.
func withVersionBackends<T>(_ versions: [String], _ body: ([VersionBackend]) async throws -> T) async throws -> T {
    var backends: [VersionBackend] = []
    do {
        for version in versions { backends.append(try await VersionBackend.start(version: version)) }
        let result = try await body(backends)
        for backend in backends { await backend.stop() }
        return result
    } catch {
        for backend in backends { await backend.stop() }
        throw error
    }
}
