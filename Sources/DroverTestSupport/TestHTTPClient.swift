import NIOCore
import NIOHTTP1
import NIOPosix

/// A keep-alive HTTP/1.1 client over one real connection (as in the proxy tests).
public final class TestHTTPClient {
    public struct Response: Sendable {
        public var status: UInt
        public var body: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private var iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    public init(
        iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    ) {
        self.iterator = iterator
        self.outbound = outbound
    }

    /// Sends `GET uri` (with `extraHeaders`) and reads the whole response.
    public func get(_ uri: String, close: Bool = false, extraHeaders: [(String, String)] = []) async throws -> Response
    {
        var headers = HTTPHeaders([("host", "localhost")] + extraHeaders)
        if close { headers.add(name: "connection", value: "close") }
        // One write: with `connection: close` the answer (and the close) can come back before a
        // separate `.end` write is made, which then fails on the closed channel.
        try await outbound.write(
            contentsOf: [
                .head(HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)), .end(nil),
            ])
        var head: HTTPResponseHead?
        var body = ByteBuffer()
        while let part = try await iterator.next() {
            switch part {
            case .head(let received): head = received
            case .body(var chunk): body.writeBuffer(&chunk)
            case .end:
                guard let head else { throw Failure(description: "response end without a head") }
                return Response(status: head.status.code, body: String(buffer: body))
            }
        }
        throw Failure(description: "connection closed before the response ended")
    }
}

/// Runs `body` with a keep-alive client connected to `host:port`; the connection closes afterwards.
public func withHTTPClient<T>(host: String, port: Int, _ body: (TestHTTPClient) async throws -> T) async throws -> T {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connectTimeout(.seconds(2))
        .connect(host: host, port: port) { channel in
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

/// One `GET` on a new connection; nil when it fails.
public func httpGet(host: String, port: Int, _ uri: String) async -> TestHTTPClient.Response? {
    try? await withHTTPClient(host: host, port: port) { try await $0.get(uri, close: true) }
}
