import DroverController
import DroverSession
import DroverStore
import DroverTLS
import DroverWire
import Foundation
import NIOCore
import NIOPosix

/// An in-process ``ControllerService`` on 127.0.0.1 (free port) with a temporary data
/// directory, and raw TLS clients that speak frames to it byte by byte.
struct ControllerHarness: Sendable {
    let service: ControllerService
    let port: Int
    let sink: RecordingSink

    /// Runs `body` against a started controller; always shuts it down and removes the directory.
    static func with(
        handshakeTimeout: Duration = FrameConnection.defaultHandshakeTimeout,
        _ body: @escaping @Sendable (ControllerHarness) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "drover-ct-\(UUID().uuidString.prefix(8))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sink = RecordingSink()
        var policy = ServerHelloPolicy()
        policy.heartbeatInterval = .seconds(1)
        let service = try ControllerService(
            configuration: ControllerConfiguration(
                dataDirectory: directory, listenHost: "127.0.0.1", listenPort: 0,
                serverNames: ["controller.drover.test"], helloPolicy: policy, handshakeTimeout: handshakeTimeout),
            makeReportSink: { _ in sink })
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await service.run { address in
                    portContinuation.yield(address.port ?? 0)
                    portContinuation.finish()
                }
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw DeadlineExceeded(what: "listen", after: .zero) }
            do {
                try await withDeadline(.seconds(30), what: "controller test") {
                    try await body(ControllerHarness(service: service, port: port, sink: sink))
                }
            } catch {
                service.shutdown()
                try await group.waitForAll()
                throw error
            }
            service.shutdown()
            try await group.waitForAll()
        }
    }

    /// A TLS client with the given ALPN protocol; pinned to the CA, or with a client identity.
    func connect(alpn: String, identity: (Certificate, PrivateKey)? = nil) async throws -> FrameConnection {
        var tls: TLSConfiguration
        if let (certificate, key) = identity {
            tls = .client(
                certificateChain: [certificate], privateKey: key, trustRoots: [service.pki.ca.certificate],
                peerVerification: .fullVerification)
        } else {
            tls = .client(peerVerification: .caPin(try CAPin(parsing: service.caPin)))
        }
        tls.alpnProtocols = [alpn]
        let context = try TLSContext(configuration: tls)
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try FrameConnection.configure(
                        channel, tls: OpenSSLHandler(context: context, serverHostname: "controller.drover.test"),
                        limits: .default)
                }
            }
        _ = try await connection.peer()
        return connection
    }

    /// A join token straight from the store.
    func token(uses: Int = 1) throws -> String {
        try service.store.createJoinToken(
            ttl: .seconds(3600), uses: uses, labels: ["pool": "test"], now: UnixTime.nowMillis()
        )
        .tokenString
    }
}

/// Frame helpers for raw clients.
enum Raw {
    static func bytes(_ envelope: Envelope) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try FrameEncoder.encode(try MessageCodec.frame(for: envelope), into: &buffer, compress: false)
        return buffer
    }

    static var hello: Envelope {
        var hello = Drover_V1_Hello()
        hello.minVersion = 1
        hello.maxVersion = 1
        hello.capabilities = ["zlib"]
        hello.agentVersion = "test"
        return .request(.hello(hello), id: 1)
    }

    static func decode(_ frame: Frame?) throws -> Envelope {
        guard let frame else { throw DeadlineExceeded(what: "a frame (the stream ended)", after: .zero) }
        return try MessageCodec.decodeEnvelope(frame)
    }
}

extension DroverMessage {
    var errorPayload: Drover_V1_Error? {
        if case .error(let error) = self { return error }
        return nil
    }
}
