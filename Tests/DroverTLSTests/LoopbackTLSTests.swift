import DroverTLS
import DroverTestSupport
import DroverWire
import NIOCore
import NIOPosix
import Testing

/// Mutual TLS over real loopback sockets: Drover frames through `OpenSSLHandler`, refused
/// peers, and both kinds of close. Every wait has a deadline; the group is always shut down.
@Suite struct LoopbackTLSTests {
    let pki = TestPKI.shared
    static let deadline = TimeAmount.seconds(10)

    private func contexts(
        client: TLSConfiguration? = nil, server: TLSConfiguration? = nil
    ) throws -> (client: TLSContext, server: TLSContext) {
        (
            try TLSContext(configuration: client ?? pki.clientConfiguration()),
            try TLSContext(configuration: server ?? pki.serverConfiguration())
        )
    }

    @Test func framesLargerThanARecordAndManyFramesInOneWrite() async throws {
        let (clientContext, serverContext) = try contexts()
        try await withLoopbackTLS(serverContext: serverContext) { loopback in
            let client = try await loopback.connect(clientContext: clientContext)
            let server = try await loopback.nextAccepted()
            let serverPeer = try await server.recorder.handshake.get(timeout: Self.deadline)
            let clientPeer = try await client.recorder.handshake.get(timeout: Self.deadline)
            #expect(serverPeer.commonName == "agent-1")
            #expect(clientPeer.commonName == TestPKI.serverName)
            #expect(clientPeer.alpnProtocol == "drover/1")

            // One 1 MiB frame (64 TLS records) and 1,000 small frames, all in ONE channel write.
            var frames = [Frame(type: .hostReport, requestID: 1, payload: .pattern(count: 1 << 20))]
            for index in 0..<1_000 {
                frames.append(Frame(type: .heartbeat, requestID: UInt32(2 * index + 3), payload: .pattern(count: index % 200, seed: UInt64(index + 1))))
            }
            var wire = ByteBuffer()
            for frame in frames { try FrameEncoder.encode(frame, into: &wire, compress: false) }
            let expectedBytes = wire.readableBytes
            try await client.channel.writeAndFlush(wire)

            var received = try await server.recorder.waitForBytes(expectedBytes).get(timeout: Self.deadline)
            var decoded: [Frame] = []
            var decoder = FrameDecoder(limits: .default)
            while let frame = try decoder.decode(buffer: &received) { decoded.append(frame) }
            #expect(received.readableBytes == 0)
            #expect(decoded == frames)

            // And back: the server answers with a compressed frame.
            var answer = ByteBuffer()
            let response = Frame(type: .hostReport, flags: .response, requestID: 1, payload: ByteBuffer(repeating: 7, count: 100_000))
            try FrameEncoder.encode(response, into: &answer)
            #expect(answer.readableBytes < 10_000)
            try await server.channel.writeAndFlush(answer)
            var back = try await client.recorder.waitForBytes(answer.readableBytes).get(timeout: Self.deadline)
            let decodedResponse = try #require(try FrameDecoder.decodeFrame(from: &back, limits: .default))
            #expect(decodedResponse.flags == [.response, .compressed])  // arrived compressed…
            #expect(decodedResponse.payload == response.payload)  // …and inflated intact
            #expect(decodedResponse.requestID == 1)

            try await client.channel.close()
        }
    }

    @Test func cleanCloseOverLoopback() async throws {
        let (clientContext, serverContext) = try contexts()
        try await withLoopbackTLS(serverContext: serverContext) { loopback in
            let client = try await loopback.connect(clientContext: clientContext)
            let server = try await loopback.nextAccepted()
            _ = try await server.recorder.handshake.get(timeout: Self.deadline)
            _ = try await client.recorder.handshake.get(timeout: Self.deadline)
            try await client.channel.close().get(timeout: Self.deadline)
            try await server.recorder.inactive.get(timeout: Self.deadline)
            #expect(server.recorder.events.contains(.closeNotifyReceived))
            #expect(client.recorder.events.contains(.closeNotifyReceived))
            #expect(server.recorder.errors.isEmpty, "\(server.recorder.errors)")
            #expect(client.recorder.errors.isEmpty, "\(client.recorder.errors)")
        }
    }

    @Test func uncleanCloseOverLoopback() async throws {
        let (clientContext, serverContext) = try contexts()
        try await withLoopbackTLS(serverContext: serverContext) { loopback in
            let client = try await loopback.connect(clientContext: clientContext)
            let server = try await loopback.nextAccepted()
            _ = try await server.recorder.handshake.get(timeout: Self.deadline)
            _ = try await client.recorder.handshake.get(timeout: Self.deadline)
            try await LoopbackTLS.closeWithoutCloseNotify(client.channel)
            try await server.recorder.inactive.get(timeout: Self.deadline)
            #expect(server.recorder.tlsErrors == [.uncleanShutdown])
        }
    }

    @Test func refusedPeersGetSpecificErrors() async throws {
        let cases: [(TestPKI.ClientIdentity, TLSError)] = [
            (.none, .noPeerCertificate),
            (.otherCA, .certificateVerificationFailed("unable to get local issuer certificate")),
            (.expired, .certificateVerificationFailed("certificate has expired")),
        ]
        let serverContext = try TLSContext(configuration: pki.serverConfiguration())
        try await withLoopbackTLS(serverContext: serverContext) { loopback in
            for (identity, expected) in cases {
                let clientContext = try TLSContext(configuration: pki.clientConfiguration(identity: identity))
                let client = try await loopback.connect(clientContext: clientContext)
                let server = try await loopback.nextAccepted()
                try await server.recorder.inactive.get(timeout: Self.deadline)
                try await client.recorder.inactive.get(timeout: Self.deadline)
                #expect(server.recorder.tlsErrors == [expected], "\(identity)")
                #expect(server.recorder.peerInfo == nil)
                guard case .peerAlert = client.recorder.tlsErrors.first else {
                    Issue.record("client should learn of the refusal from an alert, saw \(client.recorder.errors)")
                    continue
                }
            }
        }
    }

    @Test func wrongControllerNameOverLoopback() async throws {
        let (clientContext, serverContext) = try contexts()
        try await withLoopbackTLS(serverContext: serverContext) { loopback in
            let client = try await loopback.connect(clientContext: clientContext, serverHostname: "evil.drover.test")
            try await client.recorder.inactive.get(timeout: Self.deadline)
            #expect(client.recorder.tlsErrors == [.hostnameMismatch("hostname mismatch")])
            #expect(client.recorder.peerInfo == nil)
        }
    }

    @Test func deniedAgentIsRefusedAlsoWhenResuming() async throws {
        let denyList = TLSDenyList()
        let (clientContext, serverContext) = try contexts(server: pki.serverConfiguration(denyList: denyList))
        try await withLoopbackTLS(serverContext: serverContext) { loopback in
            // First connection: full handshake; read once so the session ticket is processed.
            let first = try await loopback.connect(clientContext: clientContext)
            let firstServer = try await loopback.nextAccepted()
            _ = try await firstServer.recorder.handshake.get(timeout: Self.deadline)
            _ = try await first.recorder.handshake.get(timeout: Self.deadline)
            try await firstServer.channel.writeAndFlush(ByteBuffer(string: "hi"))
            _ = try await first.recorder.waitForBytes(2).get(timeout: Self.deadline)
            #expect(clientContext.sessionCache?.count == 1)
            try await first.channel.close().get(timeout: Self.deadline)

            // The host is removed: its certificate goes on the deny list. The next connection
            // resumes (the verify callback is skipped) and must still be refused.
            denyList.add(pki.clientCertificate)
            let second = try await loopback.connect(clientContext: clientContext)
            let secondServer = try await loopback.nextAccepted()
            try await secondServer.recorder.inactive.get(timeout: Self.deadline)
            #expect(secondServer.recorder.tlsErrors == [.peerDenied(fingerprint: pki.clientCertificate.sha256Fingerprint)])
            #expect(secondServer.recorder.peerInfo == nil)
            try await second.recorder.inactive.get(timeout: Self.deadline)
        }
    }

    @Test func plaintextAndGarbageClientsAreNotTLS() async throws {
        let serverContext = try TLSContext(configuration: pki.serverConfiguration())
        try await withLoopbackTLS(serverContext: serverContext) { loopback in
            for bytes in [ByteBuffer(string: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), ByteBuffer.pattern(count: 700, seed: 99)] {
                let client = try await loopback.connect { _ in [] }
                let server = try await loopback.nextAccepted()
                try await client.channel.writeAndFlush(bytes)
                try await server.recorder.inactive.get(timeout: Self.deadline)
                #expect(server.recorder.tlsErrors == [.notTLS], "\(server.recorder.errors)")
                try await client.recorder.inactive.get(timeout: Self.deadline)
            }
        }
    }
}
