import DroverProxy
import NIOCore
import NIOHTTP1
import Synchronization

/// Counters and open connections of one ``TestServer``, shared with its handlers.
final class BackendShared: Sendable {
    struct State {
        var connections = 0
        var requests = 0
        var open: [ObjectIdentifier: any Channel] = [:]
    }

    let state = Mutex(State())
    /// Answers of `/held` requests, sent when the test calls ``releaseHeld()``.
    let held = Mutex<[@Sendable () -> Void]>([])

    /// Sends every held answer.
    func releaseHeld() {
        for answer in held.withLock({ list in
            defer { list = [] }; return list
        }) { answer() }
    }

    func opened(_ channel: any Channel) {
        state.withLock {
            $0.connections += 1
            $0.open[ObjectIdentifier(channel)] = channel
        }
    }

    func closed(_ channel: any Channel) {
        _ = state.withLock { $0.open.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func requestReceived() {
        state.withLock { $0.requests += 1 }
    }
}

/// The HTTP test backend: answers with its version name. Paths: `/` (the version),
/// `/delay/MS`, `/status/CODE`, `/echo` (streams the request body back), `/big/BYTES` (a
/// patterned body), `/stuck` (never answers), `/held` (answers when the test releases it),
/// `/headers` (the request headers), `/fresh-only` (closes a reused connection unanswered).
final class BackendHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let version: String
    private let shared: BackendShared
    private var head: HTTPRequestHead?
    /// Requests answered on this connection.
    private var answered = 0

    init(version: String, shared: BackendShared) {
        self.version = version
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            shared.requestReceived()
            if head.uri == "/echo" {
                // Streams: every body part goes straight back.
                let headers = HTTPHeaders([("x-version", version)])
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                    promise: nil)
            }
        case .body(let body):
            if head?.uri == "/echo" { context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        case .end:
            guard let head else { return }
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let parts = head.uri.split(separator: "/").map(String.init)
        switch parts.first {
        case "echo":
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case "stuck":
            break
        case "held":
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            shared.held.withLock {
                $0.append {
                    loop.execute {
                        let (handler, context) = bound.value
                        handler.send(.ok, body: ByteBuffer(string: handler.version), context: context)
                    }
                }
            }
        case "fresh-only":
            // Closes a reused connection without an answer, as a backend whose keep-alive
            // timeout fired just as the request arrived.
            if answered > 0 {
                context.close(promise: nil)
            } else {
                send(.ok, body: ByteBuffer(string: version), context: context)
            }
        case "delay":
            let milliseconds = Int64(parts.dropFirst().first ?? "0") ?? 0
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(milliseconds)) {
                self.send(.ok, body: ByteBuffer(string: self.version), context: context)
            }
        case "status":
            let code = Int(parts.dropFirst().first ?? "200") ?? 200
            send(HTTPResponseStatus(statusCode: code), body: ByteBuffer(string: version), context: context)
        case "big":
            let size = Int(parts.dropFirst().first ?? "0") ?? 0
            send(.ok, body: patternedBuffer(count: size), context: context)
        case "headers":
            let text = head.headers.map { "\($0.name.lowercased()): \($0.value)" }.joined(separator: "\n")
            send(.ok, body: ByteBuffer(string: text), context: context)
        default:
            send(.ok, body: ByteBuffer(string: version), context: context)
        }
    }

    private func send(_ status: HTTPResponseStatus, body: ByteBuffer, context: ChannelHandlerContext) {
        answered += 1
        let headers = HTTPHeaders([("x-version", version), ("content-length", String(body.readableBytes))])
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// Bytes 0…250 repeating, so a shifted or truncated copy never matches.
func patternedBuffer(count: Int) -> ByteBuffer {
    let period = (0..<251).map { UInt8($0) }
    var buffer = ByteBuffer()
    buffer.reserveCapacity(count)
    while buffer.writerIndex < count {
        buffer.writeBytes(period.prefix(count - buffer.writerIndex))
    }
    return buffer
}

func localPort(of channel: any Channel) throws -> Int {
    guard let port = channel.localAddress?.port else { throw TestFailure("no local port") }
    return port
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a started proxy, closing it on every path.
func withProxy<T>(
    _ table: RoutingTable, mode: ServiceProxyConfiguration.Mode = .http,
    limits: ServiceProxyConfiguration.Limits = .init(),
    _ body: (ServiceProxy, Int) async throws -> T
) async throws -> T {
    let proxy = try ServiceProxy(
        configuration: ServiceProxyConfiguration(host: "127.0.0.1", port: 0, mode: mode, limits: limits), table: table)
    do {
        let port = try await proxy.start()
        let result = try await body(proxy, port)
        await proxy.close(timeout: .seconds(1))
        return result
    } catch {
        await proxy.close(timeout: .seconds(1))
        throw error
    }
}

/// Waits until `condition` holds, polling, or fails after `timeout` (generous: the whole suite
/// runs in parallel on two cores in CI, and a test can wait many seconds for a thread).
func waitUntil(
    timeout: Duration = .seconds(90), _ what: String, _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try await !condition() {
        guard clock.now < deadline else { throw TestFailure("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(2))
    }
}

extension Backend {
    /// A backend entry for a test server.
    init(_ server: TestServer, id: String? = nil, weight: Int, state: State = .active) {
        self.init(
            id: id ?? server.version, version: server.version, host: "127.0.0.1", port: server.port,
            weight: weight, state: state)
    }
}

/// Waits until the proxy has recorded `count` requests (of `version`, or of all versions).
///
/// The proxy records a request once it has written the response, which can be a moment after
/// the client has read it: asserting on statistics right after the last response races.
func waitForRecorded(_ proxy: ServiceProxy, requests count: UInt64, version: String? = nil) async throws {
    try await waitUntil("\(count) requests recorded") {
        let snapshot = proxy.stats.snapshot()
        let recorded = version.map { snapshot[$0]?.requests ?? 0 } ?? snapshot.values.reduce(0) { $0 + $1.requests }
        return recorded >= count
    }
}
