import DroverTLS
import DroverTestSupport
import NIOCore
import NIOEmbedded
import Testing

/// Handshake outcomes over two EmbeddedChannels.
@Suite struct InMemoryHandshakeTests {
    let pki = TestPKI.shared

    @Test func mutualTLSSucceedsAndExposesIdentities() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.handshake()

        let serverSees = try #require(pair.serverRecorder.peerInfo)
        #expect(serverSees.commonName == "agent-1")
        #expect(serverSees.sha256Fingerprint == pki.clientCertificate.sha256Fingerprint)
        #expect(serverSees.serialHex == pki.clientCertificate.serialHex)
        #expect(serverSees.alpnProtocol == "drover/1")
        #expect(serverSees.tlsVersion == "TLSv1.3")
        #expect(!serverSees.cipher.isEmpty)
        #expect(serverSees.resumed == false)
        #expect(pair.serverHandler.peerInfo == serverSees)

        let clientSees = try #require(pair.clientRecorder.peerInfo)
        #expect(clientSees.commonName == TestPKI.serverName)
        #expect(clientSees.dnsNames == [TestPKI.serverName])
        #expect(clientSees.ipAddresses == ["127.0.0.1"])
        #expect(clientSees.alpnProtocol == "drover/1")
        #expect(clientSees.tlsVersion == "TLSv1.3")
        #expect(pair.clientHandler.peerInfo == clientSees)
        #expect(pair.clientRecorder.errors.isEmpty && pair.serverRecorder.errors.isEmpty)
    }

    @Test func controllerReachedByIPAddress() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration(), serverHostname: "127.0.0.1")
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.clientRecorder.peerInfo?.commonName == TestPKI.serverName)
        #expect(pair.serverRecorder.peerInfo != nil)
    }

    @Test func clientWithoutCertificateIsRefused() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration(identity: .none))
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.serverRecorder.tlsErrors == [.noPeerCertificate])
        #expect(pair.serverRecorder.peerInfo == nil)
        #expect(!pair.server.isActive)
        // TLS 1.3: the client finished first and learns of the refusal from the alert.
        #expect(pair.clientRecorder.tlsErrors == [.peerAlert("tlsv13 alert certificate required")])
        #expect(!pair.client.isActive)
    }

    @Test func clientFromAnotherCAIsRefused() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration(identity: .otherCA))
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.serverRecorder.tlsErrors == [.certificateVerificationFailed("unable to get local issuer certificate")])
        #expect(pair.clientRecorder.tlsErrors == [.peerAlert("tlsv1 alert unknown ca")])
    }

    @Test func expiredClientCertificateIsRefused() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration(identity: .expired))
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.serverRecorder.tlsErrors == [.certificateVerificationFailed("certificate has expired")])
        #expect(pair.clientRecorder.tlsErrors == [.peerAlert("sslv3 alert certificate expired")])
    }

    @Test func denyListedClientIsRefusedOnFullHandshake() throws {
        let denyList = TLSDenyList()
        denyList.add(pki.clientCertificate)
        let pair = try makePair(server: pki.serverConfiguration(denyList: denyList), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.serverRecorder.tlsErrors == [.peerDenied(fingerprint: pki.clientCertificate.sha256Fingerprint)])
        #expect(pair.clientRecorder.tlsErrors == [.peerAlert("sslv3 alert certificate revoked")])
    }

    @Test func denyListedServerIsRefusedByClient() throws {
        let denyList = TLSDenyList(fingerprints: [pki.serverCertificate.pin])
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration(denyList: denyList))
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.clientRecorder.tlsErrors == [.peerDenied(fingerprint: pki.serverCertificate.sha256Fingerprint)])
        #expect(pair.serverRecorder.tlsErrors == [.peerAlert("sslv3 alert certificate revoked")])
    }

    @Test func wrongControllerNameIsRefused() throws {
        let pair = try makePair(
            server: pki.serverConfiguration(), client: pki.clientConfiguration(), serverHostname: "other.drover.test")
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.clientRecorder.tlsErrors == [.hostnameMismatch("hostname mismatch")])  // OpenSSL 3.0.19 wording
        #expect(pair.clientRecorder.peerInfo == nil)
        #expect(pair.serverRecorder.tlsErrors.count == 1)
        guard case .peerAlert = pair.serverRecorder.tlsErrors.first else {
            Issue.record("server should see the client's alert, saw \(pair.serverRecorder.errors)")
            return
        }
    }

    @Test func wrongControllerIPIsRefused() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration(), serverHostname: "127.0.0.2")
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.clientRecorder.tlsErrors == [.hostnameMismatch("IP address mismatch")])
    }

    @Test func serverFromAnotherCAIsRefused() throws {
        var client = pki.clientConfiguration()
        client.trustRoots = [pki.otherCA.certificate]
        let pair = try makePair(server: pki.serverConfiguration(), client: client)
        defer { pair.finish() }
        try pair.handshake()
        // The controller sends the fleet CA in its chain, so the client sees an untrusted self-signed root.
        #expect(pair.clientRecorder.tlsErrors == [.certificateVerificationFailed("self-signed certificate in certificate chain")])
    }

    @Test func alpnWithoutOverlapFailsTheHandshake() throws {
        var server = pki.serverConfiguration()
        server.alpnProtocols = ["drover/2"]
        let pair = try makePair(server: server, client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.serverRecorder.tlsErrors == [.alpnMismatch(offered: ["drover/1"])])
        #expect(pair.clientRecorder.tlsErrors == [.peerAlert("tlsv1 alert no application protocol")])
    }

    @Test func plaintextHTTPClientIsNotTLS() throws {
        let server = EmbeddedChannel()
        let recorder = TLSRecorder(eventLoop: server.embeddedEventLoop)
        try server.pipeline.syncOperations.addHandlers([
            OpenSSLHandler(context: try TLSContext(configuration: pki.serverConfiguration())), recorder,
        ])
        try server.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try server.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        #expect(recorder.tlsErrors == [.notTLS])
        #expect(!server.isActive)
        server.embeddedEventLoop.run()
    }

    @Test(arguments: [UInt64(1), 2, 3, 42, 0xDEAD_BEEF])
    func randomBytesGiveATypedError(seed: UInt64) throws {
        let server = EmbeddedChannel()
        let recorder = TLSRecorder(eventLoop: server.embeddedEventLoop)
        try server.pipeline.syncOperations.addHandlers([
            OpenSSLHandler(context: try TLSContext(configuration: pki.serverConfiguration())), recorder,
        ])
        try server.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try server.writeInbound(ByteBuffer.pattern(count: 512, seed: seed))
        // Whatever OpenSSL complains about, it surfaces as exactly one TLSError and a closed channel.
        #expect(recorder.tlsErrors == [.notTLS], "\(recorder.errors)")
        #expect(recorder.errors.count == 1)
        #expect(!server.isActive)
        server.embeddedEventLoop.run()
    }

    @Test func peerEOFMidHandshake() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.activate()
        try EmbeddedTLSPair.move(from: pair.client, to: pair.server)  // ClientHello only
        pair.server.pipeline.fireChannelInactive()  // the peer went away
        #expect(pair.serverRecorder.tlsErrors == [.unexpectedEOFDuringHandshake])
        #expect(pair.serverRecorder.peerInfo == nil)
    }

    @Test func sessionResumption() throws {
        let serverContext = try TLSContext(configuration: pki.serverConfiguration())
        let clientContext = try TLSContext(configuration: pki.clientConfiguration())
        let first = try EmbeddedTLSPair(clientContext: clientContext, serverContext: serverContext)
        defer { first.finish() }
        try first.handshake()
        #expect(first.clientRecorder.peerInfo?.resumed == false)
        #expect(clientContext.sessionCache?.count == 1)  // the ticket arrived after the handshake

        let second = try EmbeddedTLSPair(clientContext: clientContext, serverContext: serverContext)
        defer { second.finish() }
        try second.handshake()
        #expect(second.clientRecorder.peerInfo?.resumed == true)
        #expect(second.serverRecorder.peerInfo?.resumed == true)
        // Identity is still reported on resumption.
        #expect(second.serverRecorder.peerInfo?.commonName == "agent-1")
        #expect(second.clientRecorder.peerInfo?.commonName == TestPKI.serverName)
    }

    @Test func ticketKeysLetSessionsResumeOnANewServerContext() throws {
        // A restarted server is a new SSL_CTX: with the same ticket keys it still resumes.
        let keys = (0..<TLSConfiguration.ticketKeyLength).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        func server(_ keys: [UInt8]) throws -> TLSContext {
            var configuration = pki.serverConfiguration()
            configuration.sessionTicketKeys = keys
            return try TLSContext(configuration: configuration)
        }
        let clientContext = try TLSContext(configuration: pki.clientConfiguration())
        let first = try EmbeddedTLSPair(clientContext: clientContext, serverContext: try server(keys))
        defer { first.finish() }
        try first.handshake()
        #expect(first.serverRecorder.peerInfo?.resumed == false)

        let restarted = try EmbeddedTLSPair(clientContext: clientContext, serverContext: try server(keys))
        defer { restarted.finish() }
        try restarted.handshake()
        #expect(restarted.serverRecorder.peerInfo?.resumed == true)
        #expect(restarted.serverRecorder.peerInfo?.commonName == "agent-1")

        // Other keys cannot open the ticket: a full handshake, which still succeeds.
        var other = keys
        other[20] ^= 0xFF
        let rekeyed = try EmbeddedTLSPair(clientContext: clientContext, serverContext: try server(other))
        defer { rekeyed.finish() }
        try rekeyed.handshake()
        #expect(rekeyed.serverRecorder.peerInfo?.resumed == false)
        #expect(rekeyed.serverRecorder.peerInfo?.commonName == "agent-1")

        var wrongLength = pki.serverConfiguration()
        wrongLength.sessionTicketKeys = Array(keys.prefix(48))
        #expect(throws: TLSError.self) { _ = try TLSContext(configuration: wrongLength) }
    }

    @Test func denyListAppliesToResumedSessions() throws {
        let denyList = TLSDenyList()
        let serverContext = try TLSContext(configuration: pki.serverConfiguration(denyList: denyList))
        let clientContext = try TLSContext(configuration: pki.clientConfiguration())
        let first = try EmbeddedTLSPair(clientContext: clientContext, serverContext: serverContext)
        defer { first.finish() }
        try first.handshake()
        #expect(first.serverRecorder.peerInfo != nil)
        #expect(clientContext.sessionCache?.count == 1)

        denyList.add(pki.clientCertificate)  // the host is removed from the fleet
        let second = try EmbeddedTLSPair(clientContext: clientContext, serverContext: serverContext)
        defer { second.finish() }
        try second.handshake()
        // The session was resumed (the client saw it complete; no verify callback ran on the server)…
        #expect(second.clientRecorder.peerInfo?.resumed == true)
        // …and the post-handshake check still refused it.
        #expect(second.serverRecorder.tlsErrors == [.peerDenied(fingerprint: pki.clientCertificate.sha256Fingerprint)])
        #expect(second.serverRecorder.peerInfo == nil)
        #expect(!second.server.isActive)
    }

    @Test func enrollmentWithCorrectCAPin() throws {
        let server = pki.serverConfiguration(peerVerification: .optionalClientCertificate)
        let client = pki.clientConfiguration(identity: .none, peerVerification: .caPin(try CAPin(parsing: pki.ca.certificate.pin)))
        let pair = try makePair(server: server, client: client)
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.clientRecorder.errors.isEmpty)
        #expect(pair.clientRecorder.peerInfo?.commonName == TestPKI.serverName)
        #expect(pair.serverRecorder.errors.isEmpty)
        #expect(pair.serverRecorder.peerInfo?.certificate == nil)  // anonymous, enrolling agent
    }

    @Test func enrollmentWithWrongCAPinIsRefused() throws {
        let server = pki.serverConfiguration(peerVerification: .optionalClientCertificate)
        let wrongPin = CAPin(certificate: pki.otherCA.certificate)
        let client = pki.clientConfiguration(identity: .none, peerVerification: .caPin(wrongPin))
        let pair = try makePair(server: server, client: client)
        defer { pair.finish() }
        try pair.handshake()
        #expect(
            pair.clientRecorder.tlsErrors == [
                .pinMismatch(expected: wrongPin.description, found: [pki.serverCertificate.pin, pki.ca.certificate.pin])
            ])
        #expect(pair.clientRecorder.peerInfo == nil)
    }

    @Test func caPinStillChecksTheName() throws {
        let server = pki.serverConfiguration(peerVerification: .optionalClientCertificate)
        let client = pki.clientConfiguration(identity: .none, peerVerification: .caPin(CAPin(certificate: pki.ca.certificate)))
        let pair = try makePair(server: server, client: client, serverHostname: "other.drover.test")
        defer { pair.finish() }
        try pair.handshake()
        #expect(pair.clientRecorder.tlsErrors == [.hostnameMismatch("hostname mismatch")])  // OpenSSL 3.0.19 wording
    }

    @Test func invalidConfigurationsAreRejected() {
        #expect(throws: TLSError.self) { try TLSContext(configuration: .client(peerVerification: .fullVerification)) }
        #expect(throws: TLSError.self) {
            try TLSContext(configuration: pki.serverConfiguration(peerVerification: .caPin(CAPin(certificate: pki.ca.certificate))))
        }
        var noKey = pki.serverConfiguration()
        noKey.privateKey = nil
        #expect(throws: TLSError.self) { try TLSContext(configuration: noKey) }
        var wrongKey = pki.serverConfiguration()
        wrongKey.privateKey = pki.clientKey
        #expect(throws: TLSError.self) { try TLSContext(configuration: wrongKey) }
    }
}
