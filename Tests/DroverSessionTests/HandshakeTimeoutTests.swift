import DroverSession
import DroverTLS
import DroverWire
import NIOCore
import NIOPosix
import Testing

/// The TLS handshake deadline of ``FrameConnection``: a peer that accepts the connection and
/// never answers is given up on after the limit, the channel closed; and a task waiting for the
/// handshake can be cancelled.
@Suite struct HandshakeTimeoutTests {
    /// Runs `body` with the port of a TCP listener on 127.0.0.1 that accepts and never writes.
    func withSilentListener(_ body: (Int) async throws -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        do {
            try await body(try #require(server.localAddress?.port))
        } catch {
            try? await server.close()
            throw error
        }
        try await server.close()
    }

    func connect(port: Int, handshakeTimeout: Duration) async throws -> FrameConnection {
        let context = try TLSContext(configuration: .client(peerVerification: .none))
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try FrameConnection.configure(
                        channel, tls: OpenSSLHandler(context: context, serverHostname: "silent.drover.test"),
                        limits: .default, handshakeTimeout: handshakeTimeout)
                }
            }
    }

    @Test func aSilentServerFailsTheHandshakeAtTheDeadlineAndTheChannelCloses() async throws {
        try await withSilentListener { port in
            let connection = try await connect(port: port, handshakeTimeout: .milliseconds(200))
            // The outer deadline only guards the test; the handshake's own timer must fire first.
            let error = await #expect(throws: DeadlineExceeded.self) {
                try await withDeadline(.seconds(30), what: "test guard") { try await connection.peer() }
            }
            #expect(error?.what == "TLS handshake")
            #expect(error?.after == .milliseconds(200))
            try await connection.channel.channel.closeFuture.get()
            #expect(!connection.channel.channel.isActive)
        }
    }

    @Test func cancellingTheWaitClosesTheConnection() async throws {
        try await withSilentListener { port in
            let connection = try await connect(port: port, handshakeTimeout: .seconds(600))
            let waiting = Task { try await connection.peer() }
            waiting.cancel()
            await #expect(throws: (any Error).self) { try await waiting.value }
            try await connection.channel.channel.closeFuture.get()
            #expect(!connection.channel.channel.isActive)
        }
    }
}
