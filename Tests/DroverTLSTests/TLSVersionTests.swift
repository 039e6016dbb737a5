import COpenSSL
import DroverTLS
import DroverTestSupport
import NIOCore
import Testing

/// TLS 1.3 is the default floor; TLS 1.2 is accepted only when configured as the minimum.
@Suite struct TLSVersionTests {
    let pki = TestPKI.shared

    /// A client context that cannot go above TLS 1.2 (an old peer).
    private func tls12OnlyClient() throws -> TLSContext {
        var configuration = pki.clientConfiguration()
        configuration.minimumVersion = .tls12
        let context = try TLSContext(configuration: configuration)
        #expect(drover_SSL_CTX_set_max_proto_version(context._unsafeSSLContext, TLS1_2_VERSION) == 1)
        return context
    }

    @Test func defaultServerRefusesATLS12Client() throws {
        let pair = try EmbeddedTLSPair(
            clientContext: try tls12OnlyClient(),
            serverContext: try TLSContext(configuration: pki.serverConfiguration()))
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.serverRecorder.peerInfo == nil)
        guard case .handshakeFailed(let reasons) = pair.serverRecorder.tlsErrors.first else {
            Issue.record("expected a handshake failure, saw \(pair.serverRecorder.errors)")
            return
        }
        #expect(reasons.contains { $0.contains("unsupported protocol") }, "\(reasons)")
        guard case .peerAlert(let alert) = pair.clientRecorder.tlsErrors.first else {
            Issue.record("client should see the server's alert, saw \(pair.clientRecorder.errors)")
            return
        }
        #expect(alert.contains("protocol version"), "\(alert)")
    }

    @Test func serverWithTLS12MinimumAcceptsATLS12ClientWithMutualAuth() throws {
        var server = pki.serverConfiguration()
        server.minimumVersion = .tls12
        let pair = try EmbeddedTLSPair(
            clientContext: try tls12OnlyClient(), serverContext: try TLSContext(configuration: server))
        defer { pair.finish() }
        try pair.handshake()
        let serverSees = try #require(pair.serverRecorder.peerInfo)
        #expect(serverSees.tlsVersion == "TLSv1.2")
        #expect(serverSees.commonName == "agent-1")
        #expect(serverSees.alpnProtocol == "drover/1")
        #expect(serverSees.cipher.hasPrefix("ECDHE-ECDSA-"), "\(serverSees.cipher)")
        pair.client.writeAndFlush(ByteBuffer(string: "over 1.2"), promise: nil)
        try pair.interact()
        #expect(pair.serverRecorder.received == ByteBuffer(string: "over 1.2"))
    }

    @Test func modernClientStillGetsTLS13FromATLS12MinimumServer() throws {
        var server = pki.serverConfiguration()
        server.minimumVersion = .tls12
        let pair = try makePair(server: server, client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.serverRecorder.peerInfo?.tlsVersion == "TLSv1.3")
    }
}
