import DroverProxy
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request as a ``RecordingBackend`` received it, decoded by NIO's own HTTP parser (an
/// independent reading of the bytes the proxy sent).
struct RecordedRequest: Sendable, Equatable, CustomStringConvertible {
    var method: String
    var uri: String
    /// Every header field in order, names lowercased.
    var headers: [String]
    var body: [UInt8]

    var description: String { "\(method) \(uri) \(headers) body \(body.count) B" }
}

/// An HTTP backend that records every request it parses, in order, and answers each `200 ok`.
/// Requests that reach it and should not have are visible in ``requests``.
final class RecordingBackend: Sendable {
    let port: Int
    private let channel: any Channel
    private let box: RecordingBox

    private init(port: Int, channel: any Channel, box: RecordingBox) {
        self.port = port
        self.channel = channel
        self.box = box
    }

    /// The requests received so far, in arrival order.
    var requests: [RecordedRequest] { box.recorded.withLock { $0 } }

    /// Connections open now.
    var openConnections: Int { box.open.withLock { $0.count } }

    /// A started backend on 127.0.0.1.
    static func start() async throws -> RecordingBackend {
        let box = RecordingBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                box.opened(channel)
                channel.closeFuture.whenComplete { _ in box.closed(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return RecordingBackend(
            port: try localPort(of: channel), channel: channel, box: box)
    }

    /// Stops listening and closes every connection.
    func stop() async {
        try? await channel.close()
        for child in box.open.withLock({ Array($0.values) }) { try? await child.close() }
    }
}

/// What ``RecordingBackend``'s handlers share.
final class RecordingBox: Sendable {
    let recorded = Mutex<[RecordedRequest]>([])
    let open = Mutex<[ObjectIdentifier: any Channel]>([:])

    func opened(_ channel: any Channel) { open.withLock { $0[ObjectIdentifier(channel)] = channel } }
    func closed(_ channel: any Channel) { _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }
}

private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: RecordingBox
    private var current: RecordedRequest?
    private var keepAlive = true

    init(box: RecordingBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
            current = RecordedRequest(
                method: head.method.rawValue, uri: head.uri,
                headers: head.headers.map { "\($0.name.lowercased()): \($0.value)" }, body: [])
        case .body(let bytes):
            current?.body += bytes.readableBytesView
        case .end:
            guard let request = current else { return }
            current = nil
            box.recorded.withLock { $0.append(request) }
            var headers = HTTPHeaders([("content-length", "2")])
            if !keepAlive { headers.add(name: "connection", value: "close") }
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Runs `body` with a recording backend, stopping it on every path.
func withRecordingBackend<T>(_ body: (RecordingBackend) async throws -> T) async throws -> T {
    let backend = try await RecordingBackend.start()
    do {
        let result = try await body(backend)
        await backend.stop()
        return result
    } catch {
        await backend.stop()
        throw error
    }
}

extension Backend {
    /// A backend entry for a recording backend.
    init(_ recording: RecordingBackend, id: String = "rec", version: String = "v1") {
        self.init(id: id, version: version, host: "127.0.0.1", port: recording.port, weight: 10_000)
    }
}
