import NIOCore
import NIOHTTP1
import NIOPosix

/// A complete response as the test client received it.
struct TestResponse: Sendable {
    var status: UInt
    var headers: HTTPHeaders
    var body: ByteBuffer
    var text: String { String(buffer: body) }
}

/// A keep-alive HTTP/1.1 client over one real connection.
final class TestHTTPClient {
    private var iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    init(
        iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    ) {
        self.iterator = iterator
        self.outbound = outbound
    }

    /// Sends one request (a body goes out in 64 KiB parts) and reads its whole response.
    func send(
        _ method: HTTPMethod = .GET, _ uri: String = "/", headers: [(String, String)] = [], body: ByteBuffer? = nil
    ) async throws -> TestResponse {
        try await sendRequest(method, uri, headers: headers, body: body)
        return try await readResponse()
    }

    /// Sends one request without waiting for the answer.
    func sendRequest(
        _ method: HTTPMethod = .GET, _ uri: String = "/", headers: [(String, String)] = [], body: ByteBuffer? = nil
    ) async throws {
        var requestHeaders = HTTPHeaders(headers)
        requestHeaders.add(name: "host", value: "localhost")
        if let body { requestHeaders.replaceOrAdd(name: "content-length", value: String(body.readableBytes)) }
        try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: requestHeaders)))
        if var body {
            while body.readableBytes > 0, let part = body.readSlice(length: min(65_536, body.readableBytes)) {
                try await outbound.write(.body(.byteBuffer(part)))
            }
        }
        try await outbound.write(.end(nil))
    }

    /// Reads one whole response.
    func readResponse() async throws -> TestResponse {
        var head: HTTPResponseHead?
        var body = ByteBuffer()
        while let part = try await iterator.next() {
            switch part {
            case .head(let received): head = received
            case .body(var chunk): body.writeBuffer(&chunk)
            case .end:
                guard let head else { throw TestFailure("response end without a head") }
                return TestResponse(status: head.status.code, headers: head.headers, body: body)
            }
        }
        throw TestFailure("connection closed before the response ended")
    }

    /// Whether the server closed the connection (reads to the end).
    func isClosedByServer() async -> Bool {
        do {
            while try await iterator.next() != nil {}
            return true
        } catch {
            return true
        }
    }
}

/// Runs `body` with a keep-alive client connected to `port`; the connection closes afterwards.
func withHTTPClient<T>(port: Int, _ body: (TestHTTPClient) async throws -> T) async throws -> T {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                    wrappingChannelSynchronously: channel)
            }
        }
    return try await channel.executeThenClose { inbound, outbound in
        try await body(TestHTTPClient(iterator: inbound.makeAsyncIterator(), outbound: outbound))
    }
}
