import DroverController
import DroverSession
import DroverStore
import DroverTLS
import DroverWire
import Foundation
import NIOCore
import NIOPosix
import Testing

/// The controller's wire behaviour over real TLS on loopback, frame by frame.
@Suite struct ControllerWireTests {
    /// Enrolls through a raw enrollment connection; returns the new identity.
    func enroll(
        _ harness: ControllerHarness, csrName: String = "evil-name"
    ) async throws -> (Certificate, PrivateKey, Drover_V1_EnrollResponse) {
        let key = try PrivateKey.generateP256()
        var request = Drover_V1_EnrollRequest()
        request.token = try harness.token()
        request.csrDer = Data(try CertificateSigningRequest(key: key, commonName: csrName).derBytes)
        request.hostname = "raw-host"
        let connection = try await harness.connect(alpn: DroverVersion.enrollmentALPN)
        let response = try await connection.channel.executeThenClose { inbound, outbound in
            var frames = inbound.makeAsyncIterator()
            try await outbound.write(Raw.bytes(Raw.hello))
            _ = try Raw.decode(try await frames.next())
            try await outbound.write(Raw.bytes(.request(.enrollRequest(request), id: 3)))
            let answer = try Raw.decode(try await frames.next())
            guard case .enrollResponse(let response) = answer.message else {
                throw DeadlineExceeded(what: "EnrollResponse, got \(answer)", after: .zero)
            }
            return response
        }
        return (try Certificate(der: Array(response.certificateDer)), key, response)
    }

    @Test func unknownTypeIsAnsweredThenEnrollmentSucceedsWithTheControllersIdentity() async throws {
        try await ControllerHarness.with { harness in
            let key = try PrivateKey.generateP256()
            var request = Drover_V1_EnrollRequest()
            request.token = try harness.token()
            request.csrDer = Data(try CertificateSigningRequest(key: key, commonName: "i-am-the-controller").derBytes)
            request.hostname = "web-9"
            request.labels = ["zone": "eu-1"]

            let connection = try await harness.connect(alpn: DroverVersion.enrollmentALPN)
            try await connection.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                try await outbound.write(Raw.bytes(Raw.hello))
                let welcome = try Raw.decode(try await frames.next())
                guard case .welcome(let settled) = welcome.message else {
                    Issue.record("expected Welcome, got \(welcome)")
                    return
                }
                #expect(welcome.isResponse && welcome.requestID == 1)
                #expect(settled.hostID.isEmpty)  // enrollment connections have no host yet
                #expect(settled.capabilities == ["zlib"])
                #expect(settled.heartbeatIntervalMs == 1000)
                #expect(settled.maxFrameSize == 4 * 1024 * 1024)

                // A type from the future: answered, connection kept.
                var unknown = ByteBuffer()
                FrameHeader(length: 2, type: 0x7F00, requestID: 3).write(to: &unknown)
                unknown.writeBytes([0x08, 0x01])
                try await outbound.write(unknown)
                let error = try Raw.decode(try await frames.next())
                #expect(error.isResponse && error.requestID == 3)
                #expect(error.message.errorPayload?.code == .unknownMessageType)
                #expect(error.message.errorPayload?.fatal == false)
                #expect(error.message.errorPayload?.relatedType == 0x7F00)

                try await outbound.write(Raw.bytes(.request(.enrollRequest(request), id: 5)))
                let answer = try Raw.decode(try await frames.next())
                guard case .enrollResponse(let response) = answer.message else {
                    Issue.record("expected EnrollResponse, got \(answer)")
                    return
                }
                let certificate = try Certificate(der: Array(response.certificateDer))
                #expect(certificate.subjectCommonName == response.hostID)  // never the CSR's name
                #expect(response.hostID.hasPrefix("h-"))
                #expect(try Certificate(der: Array(response.caCertificateDer)).pin == harness.service.caPin)
                let lifetime = response.notAfterUnixMs - certificate.notBefore * 1000
                #expect(lifetime / 86_400_000 == 90)
                // Renewal at 2/3 of 90 days from issuance (notBefore is backdated 5 minutes for skew).
                let renewAt = (certificate.notBefore + 300) * 1000 + 60 * 86_400_000
                #expect(abs(response.renewAfterUnixMs - renewAt) < 2000)

                let host = try #require(try harness.service.store.host(id: response.hostID))
                #expect(host.name == "web-9")
                #expect(host.labels == ["zone": "eu-1", "pool": "test"])
                #expect(host.certFingerprint == certificate.sha256Fingerprint)
                // The controller closes after answering.
                #expect(try await frames.next() == nil)
            }
        }
    }

    @Test func refusedTokenIsAFatalEnrollmentRefusedWithAnEvent() async throws {
        try await ControllerHarness.with { harness in
            var request = Drover_V1_EnrollRequest()
            request.token = "drv_zzzzzzzz_" + String(repeating: "y", count: 32)
            request.csrDer = Data(try CertificateSigningRequest(key: try PrivateKey.generateP256()).derBytes)
            let connection = try await harness.connect(alpn: DroverVersion.enrollmentALPN)
            try await connection.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                try await outbound.write(Raw.bytes(Raw.hello))
                _ = try Raw.decode(try await frames.next())
                try await outbound.write(Raw.bytes(.request(.enrollRequest(request), id: 3)))
                let answer = try Raw.decode(try await frames.next())
                #expect(answer.requestID == 3 && answer.isResponse)
                #expect(answer.message.errorPayload?.code == .enrollmentRefused)
                #expect(answer.message.errorPayload?.fatal == true)
                #expect(answer.message.errorPayload?.message.contains("unknown") == true)
                #expect(try await frames.next() == nil)
            }
            let events = try harness.service.store.listEvents(EventQuery(kindPrefix: "enrollment.refused"))
            #expect(events.count == 1)
            #expect(try harness.service.store.listHosts().isEmpty)
        }
    }

    @Test func sessionWithoutClientCertificateIsUnauthenticated() async throws {
        try await ControllerHarness.with { harness in
            let connection = try await harness.connect(alpn: DroverVersion.alpn)
            try await connection.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                let first = try Raw.decode(try await frames.next())
                #expect(first.requestID == 0 && !first.isResponse)
                #expect(first.message.errorPayload?.code == .unauthenticated)
                #expect(first.message.errorPayload?.fatal == true)
            }
        }
    }

    @Test func aConnectionThatNeverHandshakesIsClosedAtTheDeadline() async throws {
        try await ControllerHarness.with(handshakeTimeout: .milliseconds(300)) { harness in
            // Plain TCP that never sends a ClientHello: the controller must hang up on its own.
            let silent = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: harness.port)
                .get()
            try await silent.closeFuture.get()
            #expect(!silent.isActive)
            // The listener goes on serving real clients.
            let connection = try await harness.connect(alpn: DroverVersion.enrollmentALPN)
            try await connection.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                try await outbound.write(Raw.bytes(Raw.hello))
                let welcome = try Raw.decode(try await frames.next())
                #expect(welcome.isResponse)
                #expect(welcome.message.errorPayload == nil)
            }
        }
    }

    @Test func reservedFlagBitsEndTheConnectionWithBadFlags() async throws {
        try await ControllerHarness.with { harness in
            let connection = try await harness.connect(alpn: DroverVersion.enrollmentALPN)
            try await connection.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                try await outbound.write(Raw.bytes(Raw.hello))
                _ = try Raw.decode(try await frames.next())
                var bad = ByteBuffer()
                bad.writeBytes([0, 0, 0, 0, 0x00, 0x04, 0x04, 0x00, 0, 0, 0, 3])  // flags 0x04 reserved
                try await outbound.write(bad)
                let error = try Raw.decode(try await frames.next())
                #expect(error.requestID == 0)
                #expect(error.message.errorPayload?.code == .badFlags)
                #expect(error.message.errorPayload?.fatal == true)
            }
        }
    }

    @Test func sessionHeartbeatsReportsAndGracefulShutdown() async throws {
        try await ControllerHarness.with { harness in
            let (certificate, key, enrolled) = try await enroll(harness)
            let connection = try await harness.connect(alpn: DroverVersion.alpn, identity: (certificate, key))
            try await connection.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                try await outbound.write(Raw.bytes(Raw.hello))
                let welcome = try Raw.decode(try await frames.next())
                guard case .welcome(let settled) = welcome.message else {
                    Issue.record("expected Welcome, got \(welcome)")
                    return
                }
                #expect(settled.hostID == enrolled.hostID)

                var beat = Drover_V1_Heartbeat()
                beat.sequence = 1
                try await outbound.write(Raw.bytes(.request(.heartbeat(beat), id: 3)))
                let answer = try Raw.decode(try await frames.next())
                guard case .heartbeat(let echoed) = answer.message else {
                    Issue.record("expected a heartbeat response, got \(answer)")
                    return
                }
                #expect(answer.isResponse && answer.requestID == 3 && echoed.sequence == 1)
                #expect(echoed.sentUnixMs > 0)

                var report = Drover_V1_HostReport()
                report.sequence = 1
                try await outbound.write(Raw.bytes(.oneWay(.hostReport(report))))
                beat.sequence = 2
                try await outbound.write(Raw.bytes(.request(.heartbeat(beat), id: 5)))
                _ = try Raw.decode(try await frames.next())  // the report was handled before this answer

                harness.service.shutdown()
                let goodbye = try Raw.decode(try await frames.next())
                guard case .goodbye(let farewell) = goodbye.message else {
                    Issue.record("expected Goodbye, got \(goodbye)")
                    return
                }
                #expect(goodbye.requestID == 0)
                #expect(farewell.reason.contains("shutting down"))
                #expect(try await frames.next() == nil)
            }
            try await pollUntil { harness.sink.calls.count >= 3 }
            #expect(harness.sink.calls.prefix(2) == [.connected(enrolled.hostID), .report(enrolled.hostID, 1)])
            // Established sessions' reports skip the session task (SessionFastPath).
            #expect(harness.sink.reportsFromTheEventLoop == [true])
            guard case .disconnected(enrolled.hostID, "shutdown") = harness.sink.calls.last else {
                Issue.record("expected a disconnect, got \(harness.sink.calls)")
                return
            }
        }
    }

    @Test func certificateRenewalOnTheSessionKeepsTheHostID() async throws {
        try await ControllerHarness.with { harness in
            let (certificate, key, enrolled) = try await enroll(harness)
            let connection = try await harness.connect(alpn: DroverVersion.alpn, identity: (certificate, key))
            try await connection.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                try await outbound.write(Raw.bytes(Raw.hello))
                _ = try Raw.decode(try await frames.next())

                let newKey = try PrivateKey.generateP256()
                var request = Drover_V1_EnrollRequest()
                request.csrDer = Data(try CertificateSigningRequest(key: newKey, commonName: "someone-else").derBytes)
                try await outbound.write(Raw.bytes(.request(.enrollRequest(request), id: 3)))
                let answer = try Raw.decode(try await frames.next())
                guard case .enrollResponse(let renewed) = answer.message else {
                    Issue.record("expected EnrollResponse, got \(answer)")
                    return
                }
                let newCertificate = try Certificate(der: Array(renewed.certificateDer))
                #expect(renewed.hostID == enrolled.hostID)
                #expect(newCertificate.subjectCommonName == enrolled.hostID)
                #expect(newCertificate.sha256Fingerprint != certificate.sha256Fingerprint)
                #expect(
                    try harness.service.store.host(id: enrolled.hostID)?.certFingerprint
                        == newCertificate.sha256Fingerprint)
                #expect(try harness.service.store.certificates(hostID: enrolled.hostID).count == 2)

                // A token on a session is a client bug: non-fatal INVALID_ARGUMENT, the session goes on.
                request.token = "drv_abcdefgh_secret"
                try await outbound.write(Raw.bytes(.request(.enrollRequest(request), id: 5)))
                let refused = try Raw.decode(try await frames.next())
                #expect(refused.requestID == 5)
                #expect(refused.message.errorPayload?.code == .invalidArgument)
                #expect(refused.message.errorPayload?.fatal == false)
                var beat = Drover_V1_Heartbeat()
                beat.sequence = 1
                try await outbound.write(Raw.bytes(.request(.heartbeat(beat), id: 7)))
                guard case .heartbeat = try Raw.decode(try await frames.next()).message else {
                    Issue.record("expected the session to continue")
                    return
                }
            }
            // The old certificate still opens a session until it expires (a crash mid-renewal is recoverable).
            let again = try await harness.connect(alpn: DroverVersion.alpn, identity: (certificate, key))
            try await again.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                try await outbound.write(Raw.bytes(Raw.hello))
                guard case .welcome = try Raw.decode(try await frames.next()).message else {
                    Issue.record("expected Welcome with the old certificate")
                    return
                }
            }
        }
    }

    @Test func removedHostIsRefusedAtTheNextSession() async throws {
        try await ControllerHarness.with { harness in
            let (certificate, key, enrolled) = try await enroll(harness)
            _ = try harness.service.store.updateHostState(id: enrolled.hostID, to: .removed, now: UnixTime.nowMillis())
            let connection = try await harness.connect(alpn: DroverVersion.alpn, identity: (certificate, key))
            try await connection.channel.executeThenClose { inbound, _ in
                var frames = inbound.makeAsyncIterator()
                let first = try Raw.decode(try await frames.next())
                #expect(first.message.errorPayload?.code == .unauthenticated)
                #expect(first.message.errorPayload?.message.contains("removed") == true)
            }
            #expect(harness.sink.calls.isEmpty)
        }
    }
}

/// Polls every 20 ms for up to 10 s.
func pollUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw DeadlineExceeded(what: "condition", after: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(20))
    }
}
