import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 answer: status and whole body.
struct HTTPAnswer: Sendable {
    var status: Int
    var body: [UInt8]

    var isSuccess: Bool { (200..<300).contains(status) }
}

/// A minimal HTTP/1.1 client, one connection per call: the Docker Engine API over a unix
/// socket, and HTTP health checks over TCP. Failures are ``ContainerEngineError/engineUnreachable(_:)``.
struct OneShotHTTPClient: Sendable {
    /// Where the server listens.
    enum Endpoint: Sendable, CustomStringConvertible {
        /// A unix socket, e.g. `/run/podman/podman.sock` or `/var/run/docker.sock`.
        case unixSocket(String)
        case tcp(host: String, port: Int)

        var description: String {
            switch self {
            case .unixSocket(let path): path
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            }
        }

        /// The Host header: the Docker API wants one, and over a unix socket any name does.
        var hostHeader: String {
            switch self {
            case .unixSocket: "localhost"
            case .tcp: description
            }
        }
    }

    let endpoint: Endpoint
    let group: any EventLoopGroup
    /// The limit for establishing the connection.
    var connectTimeout: Duration = .seconds(5)

    /// Sends one request and reads the whole answer; the connection is closed after `timeout`.
    ///
    /// With `discardingBody` the body is read to its end but not kept (an exec's output stream).
    func request(
        _ method: HTTPMethod, _ uri: String, json body: [UInt8]? = nil, timeout: Duration,
        discardingBody: Bool = false
    ) async throws(ContainerEngineError) -> HTTPAnswer {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.hostHeader)
        headers.add(name: "User-Agent", value: "drover-agent")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Content-Length", value: String(body?.count ?? 0))
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
        let endpoint = self.endpoint
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(min(connectTimeout, timeout).nanosecondsClamped))
            let initializer: @Sendable (any Channel) -> EventLoopFuture<
                NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
            > = { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
            switch endpoint {
            case .unixSocket(let path):
                channel = try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
            case .tcp(let host, let port):
                channel = try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
            }
        } catch {
            throw .engineUnreachable("cannot connect to \(endpoint): \(error)")
        }
        // Closing the channel at the deadline ends the read loop below with an error.
        let timer = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
            channel.channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                // One write and flush: the head alone is a complete request when there is no body,
                // and a server may answer and close before a separate `.end` write, which then fails.
                var parts: [HTTPClientRequestPart] = [.head(head)]
                if let body, !body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                parts.append(.end(nil))
                try await outbound.write(contentsOf: parts)
                var status = 0
                var answer = ByteBuffer()
                for try await part in inbound {
                    switch part {
                    case .head(let responseHead): status = Int(responseHead.status.code)
                    case .body(var chunk): if !discardingBody { answer.writeBuffer(&chunk) }
                    case .end: return HTTPAnswer(status: status, body: Array(answer.readableBytesView))
                    }
                }
                throw ContainerEngineError.engineUnreachable(
                    "\(method) \(uri): connection closed before the answer was complete (timeout \(timeout))")
            }
        } catch let error as ContainerEngineError {
            throw error
        } catch {
            throw .engineUnreachable("\(method) \(uri) on \(endpoint): \(error)")
        }
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to `Int64` (for NIO's `TimeAmount`).
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = product.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? .max : sum
    }
}
