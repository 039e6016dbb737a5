import DroverTLS
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP methods the API uses.
public enum APIMethod: String, Sendable {
    case GET, POST, PUT, DELETE
}

/// A small HTTPS client for the Drover API over DroverTLS (no URLSession): one connection per call.
public struct APIClient: Sendable {
    /// Where the API is.
    public let endpoint: APIEndpoint
    /// The bearer token, `drv_api_…`.
    public let token: String?
    /// Give up on a call after this long.
    public var timeout: Duration = .seconds(30)
    private let tlsContext: TLSContext
    private let group: any EventLoopGroup

    /// A client that verifies the server against `trust` (a fleet CA certificate or a CA pin).
    public init(
        endpoint: APIEndpoint,
        token: String?,
        trust: Trust,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(APIClientError) {
        var configuration: TLSConfiguration
        switch trust {
        case .caCertificates(let roots):
            configuration = .client(trustRoots: roots, peerVerification: .fullVerification)
        case .caPin(let pin):
            configuration = .client(peerVerification: .caPin(pin))
        }
        configuration.alpnProtocols = ["http/1.1"]
        do {
            tlsContext = try TLSContext(configuration: configuration)
        } catch {
            throw .usage("TLS setup failed: \(error)")
        }
        self.endpoint = endpoint
        self.token = token
        self.group = group
    }

    /// How the client decides it talks to the real controller.
    public enum Trust: Sendable {
        /// The fleet CA certificate(s) (`--ca-cert`).
        case caCertificates([Certificate])
        /// The fleet CA pin, `sha256:…` (`--ca-pin`); the server must send the CA in its chain.
        case caPin(CAPin)
    }

    /// Sends a request and decodes a 2xx JSON answer as `Response`.
    public func call<Response: Decodable>(
        _ method: APIMethod,
        _ path: String,
        body: (some Encodable)? = Optional<String>.none,
        as: Response.Type = Response.self
    ) async throws(APIClientError) -> Response {
        var bytes: [UInt8] = []
        if let body {
            do {
                bytes = Array(try APIJSON.encoder().encode(body))
            } catch {
                throw .usage("could not encode the request: \(error)")
            }
        }
        let (status, answer) = try await raw(method, path, body: bytes)
        guard (200..<300).contains(status) else { throw APIClientError.from(status: status, body: answer) }
        do {
            return try APIJSON.decoder().decode(Response.self, from: Data(answer))
        } catch {
            throw .server("unexpected answer from \(endpoint): \(error)")
        }
    }

    /// Sends a request and returns the status and body, whatever the status.
    public func raw(
        _ method: APIMethod, _ path: String, body: [UInt8] = [], headers extra: [(String, String)] = []
    ) async throws(APIClientError) -> (Int, [UInt8]) {
        let endpoint = self.endpoint
        let tlsContext = self.tlsContext
        var headers = HTTPHeaders()
        headers.add(
            name: "Host",
            value: endpoint.host.contains(":")
                ? "[\(endpoint.host)]:\(endpoint.port)" : "\(endpoint.host):\(endpoint.port)")
        headers.add(name: "User-Agent", value: "drover-cli")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Content-Length", value: String(body.count))
        if !body.isEmpty { headers.add(name: "Content-Type", value: "application/json") }
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in extra { headers.add(name: name, value: value) }
        let head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: method.rawValue), uri: path, headers: headers)
        let group = self.group
        let timeout = self.timeout
        do {
            return try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { tasks in
                tasks.addTask {
                    let channel = try await ClientBootstrap(group: group)
                        .connectTimeout(.seconds(10))
                        .connect(host: endpoint.host, port: endpoint.port) { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(
                                    OpenSSLHandler(context: tlsContext, serverHostname: endpoint.host))
                                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                                return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                                    wrappingChannelSynchronously: channel)
                            }
                        }
                    return try await channel.executeThenClose { inbound, outbound in
                        try await outbound.write(.head(head))
                        if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                        try await outbound.write(.end(nil))
                        var status = 0
                        var answer = ByteBuffer()
                        for try await part in inbound {
                            switch part {
                            case .head(let responseHead): status = Int(responseHead.status.code)
                            case .body(var chunk): answer.writeBuffer(&chunk)
                            case .end: return (status, Array(answer.readableBytesView))
                            }
                        }
                        throw APIClientError.server("connection to \(endpoint) closed before the answer was complete")
                    }
                }
                tasks.addTask {
                    try await Task.sleep(for: timeout)
                    throw APIClientError.server("no answer from \(endpoint) within \(timeout)")
                }
                let first = try await tasks.next()!
                tasks.cancelAll()
                return first
            }
        } catch let error as APIClientError {
            throw error
        } catch {
            throw .server("cannot reach \(endpoint): \(error)")
        }
    }
}
