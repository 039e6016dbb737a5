@testable import DroverController
import DroverInventory
import DroverSession
import DroverStore
import DroverTLS
import DroverWire
import Foundation
import Testing

/// Enrollment decisions against a real (in-memory) SQLite store and a real CA.
@Suite struct EnrollmentAuthorityTests {
    let store: SQLiteStateStore
    let ca: CertificateAuthority
    let authority: EnrollmentAuthority
    let now = UnixTime.nowMillis()

    init() throws {
        store = try SQLiteStateStore.inMemory()
        ca = try CertificateAuthority.createSelfSigned(
            commonName: "Test Fleet CA", key: try PrivateKey.generateP256(),
            notBefore: now / 1000 - 60, notAfter: now / 1000 + 86_400)
        authority = EnrollmentAuthority(
            store: store, ca: ca, lifetime: .seconds(90 * 86_400), logger: DroverLogger(label: "test", minimumLevel: .error))
    }

    func request(token: String, name: String = "web-1", csr: [UInt8]? = nil) throws -> Drover_V1_EnrollRequest {
        var request = Drover_V1_EnrollRequest()
        request.token = token
        request.csrDer = Data(try csr ?? CertificateSigningRequest(key: try PrivateKey.generateP256(), commonName: "x").derBytes)
        request.hostname = name
        request.labels = ["zone": "agent-says", "role": "web"]
        return request
    }

    @Test func aBadCSRDoesNotUseUpTheToken() throws {
        let token = try store.createJoinToken(ttl: .seconds(600), uses: 1, labels: [:], now: now).tokenString
        let refused = authority.enroll(try request(token: token, csr: [0x30, 0x03, 0x02, 0x01, 0x00]), address: "127.0.0.2:1", now: now)
        guard case .failure(let error) = refused else {
            Issue.record("expected a refusal")
            return
        }
        #expect(error.code == .enrollmentRefused)
        #expect(error.message.contains("signing request"))
        #expect(try store.listJoinTokens().first?.uses == 0)
        guard case .success = authority.enroll(try request(token: token), address: "127.0.0.2:1", now: now) else {
            Issue.record("the token must still work")
            return
        }
    }

    @Test func tokenLabelsWinAndTakenNamesGetASuffix() throws {
        let token = try store.createJoinToken(ttl: .seconds(600), uses: 2, labels: ["zone": "eu-1"], now: now).tokenString
        let first = try authority.enroll(try request(token: token), address: "127.0.0.2:1", now: now).get()
        let second = try authority.enroll(try request(token: token), address: "127.0.0.3:1", now: now).get()
        let hostA = try #require(try store.host(id: first.hostID))
        let hostB = try #require(try store.host(id: second.hostID))
        #expect(hostA.name == "web-1")
        #expect(hostB.name.hasPrefix("web-1-") && hostB.name != hostA.name)
        #expect(hostA.labels == ["zone": "eu-1", "role": "web"])
        #expect(hostA.address == "127.0.0.2:1")
        let events = try store.listEvents(EventQuery(kindPrefix: "host.enrolled"))
        #expect(events.count == 2)
        #expect(events.allSatisfy { !$0.message.contains(token) })  // the secret never lands in the store's text
    }

    @Test func everyRefusalNamesItsReason() throws {
        let revoked = try store.createJoinToken(ttl: .seconds(600), uses: 1, labels: [:], now: now)
        _ = try store.revokeJoinToken(id: revoked.record.id, now: now)
        let expired = try store.createJoinToken(ttl: .seconds(60), uses: 1, labels: [:], now: now - 120_000)
        let cases: [(String, String)] = [
            (revoked.tokenString, "revoked"),
            (expired.tokenString, "expired"),
            ("drv_nope1234_" + String(repeating: "z", count: 32), "unknown"),
            ("not-a-token", "malformed"),
        ]
        // Distinct addresses: refusals from one address within a minute make one event.
        for (index, (token, reason)) in cases.enumerated() {
            guard case .failure(let error) = authority.enroll(try request(token: token), address: "a\(index)", now: now)
            else {
                Issue.record("expected \(reason) to be refused")
                continue
            }
            #expect(error.code == .enrollmentRefused)
            #expect(error.message.contains(reason), "\(error.message)")
            #expect(!error.message.contains(token) || token == "not-a-token")
        }
        #expect(try store.listEvents(EventQuery(kindPrefix: "enrollment.refused")).count == cases.count)
        #expect(try store.listHosts().isEmpty)
    }

    @Test func renewalKeepsTheHostAndRefusesTokensAndRemovedHosts() throws {
        let token = try store.createJoinToken(ttl: .seconds(600), uses: 1, labels: [:], now: now).tokenString
        let enrolled = try authority.enroll(try request(token: token), address: "a", now: now).get()
        let renewed = try authority.renew(try request(token: ""), hostID: enrolled.hostID, now: now + 1000).get()
        #expect(renewed.hostID == enrolled.hostID)
        #expect(renewed.certificateDer != enrolled.certificateDer)
        #expect(try store.certificates(hostID: enrolled.hostID).count == 2)

        guard case .failure(let withToken) = authority.renew(try request(token: token), hostID: enrolled.hostID, now: now) else {
            Issue.record("a token on a renewal is refused")
            return
        }
        #expect(withToken.code == .invalidArgument && !withToken.isFatal)

        _ = try store.updateHostState(id: enrolled.hostID, to: .removed, now: now)
        guard case .failure(let removed) = authority.renew(try request(token: ""), hostID: enrolled.hostID, now: now) else {
            Issue.record("a removed host cannot renew")
            return
        }
        #expect(removed.code == .unauthenticated && removed.isFatal)
    }
}

/// The default sink against a real (in-memory) store.
@Suite struct StoreHostReportSinkTests {
    @Test func keepsTheLatestReportThrottlesLastSeenAndTracksLostHosts() async throws {
        let store = try SQLiteStateStore.inMemory()
        try store.insertHost(HostRecord(id: "h-1", name: "web-1", address: "", agentVersion: "0", enrolledAt: 1, lastSeenAt: 1))
        let sink = StoreHostReportSink(store: store, logger: DroverLogger(label: "test", minimumLevel: .error))

        await sink.hostConnected(ConnectedHost(
            hostID: "h-1", address: "127.0.0.2:4000", agentVersion: "0.1.0", capabilities: ["zlib"], connectedAt: 1_000))
        #expect(sink.connectedHosts.map(\.hostID) == ["h-1"])
        var report = Drover_V1_HostReport()
        for sequence in 1...3 {
            report.sequence = UInt64(sequence)
            sink.hostReport(hostID: "h-1", report: report, receivedAt: 1_000 + Int64(sequence))
        }
        #expect(sink.latestReport(hostID: "h-1")?.report.sequence == 3)
        #expect(sink.latestReport(hostID: "h-1")?.receivedAt == 1_003)
        let host = try #require(try store.host(id: "h-1"))
        // last_seen_at is written on connect, then in one batch a minute while reports flow.
        #expect(host.lastSeenAt == 1_000)
        #expect(host.address == "127.0.0.2:4000" && host.agentVersion == "0.1.0")
        #expect(try store.listEvents(EventQuery(kindPrefix: "host.first_report")).count == 1)
        sink.hostReport(hostID: "h-1", report: report, receivedAt: 62_000)
        #expect(try store.host(id: "h-1")?.lastSeenAt == 62_000)
        sink.hostReport(hostID: "h-1", report: report, receivedAt: 66_000)
        #expect(try store.host(id: "h-1")?.lastSeenAt == 62_000)

        // The session's end writes the newest report time that was held back.
        await sink.hostDisconnected(hostID: "h-1", cause: .lost)
        #expect(try store.host(id: "h-1")?.lastSeenAt == 66_000)
        #expect(try store.host(id: "h-1")?.state == .lost)
        #expect(sink.connectedHosts.isEmpty)
        await sink.hostConnected(ConnectedHost(
            hostID: "h-1", address: "127.0.0.2:4001", agentVersion: "0.1.0", capabilities: [], connectedAt: 2_000))
        #expect(try store.host(id: "h-1")?.state == .ready)
        sink.hostReport(hostID: "h-1", report: report, receivedAt: 2_001)
        #expect(try store.listEvents(EventQuery(kindPrefix: "host.first_report")).count == 2)  // one per session

        // A drained host stays drained when it is lost and comes back.
        _ = try store.updateHostState(id: "h-1", to: .drained, now: 2_002)
        await sink.hostDisconnected(hostID: "h-1", cause: .lost)
        #expect(try store.host(id: "h-1")?.state == .drained)
    }
}

/// The controller's key material across restarts.
@Suite struct ControllerPKITests {
    @Test func ticketKeysSurviveARestartAndAreReplacedAfterTheirLifetime() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drover-pki-\(UUID().uuidString)").path
        try PrivateFile.makeDirectory(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let now = UnixTime.nowMillis() / 1000
        let first = try ControllerPKI.loadOrCreate(directory: directory, serverNames: [], now: now)
        #expect(first.createdCA)
        #expect(first.sessionTicketKeys.count == TLSConfiguration.ticketKeyLength)
        #expect(PrivateFile.mode(directory + "/session-ticket.key") == 0o600)
        let restarted = try ControllerPKI.loadOrCreate(directory: directory, serverNames: [], now: now)
        #expect(!restarted.createdCA)
        #expect(restarted.sessionTicketKeys == first.sessionTicketKeys)
        #expect(restarted.serverTLSConfiguration(denyList: TLSDenyList()).sessionTicketKeys == first.sessionTicketKeys)
        // A week later every ticket sealed with them has expired: new keys.
        let week = ControllerPKI.sessionLifetime.components.seconds
        let later = try ControllerPKI.loadOrCreateTicketKeys(path: directory + "/session-ticket.key", now: now + week + 60)
        #expect(later != first.sessionTicketKeys && later.count == TLSConfiguration.ticketKeyLength)
    }
}

/// The production sink: inventory plus store bookkeeping.
@Suite struct InventoryReportSinkTests {
    @Test func aReplacedSessionEndingLeavesTheNewerSessionConnected() async throws {
        let store = try SQLiteStateStore.inMemory()
        try store.insertHost(HostRecord(id: "h-1", name: "web-1", address: "", agentVersion: "0", enrolledAt: 1, lastSeenAt: 1))
        let sink = InventoryReportSink(store: store, logger: DroverLogger(label: "test", minimumLevel: .error))
        let now = UnixTime.nowMillis()
        func connect(_ port: Int, at: Int64) async {
            await sink.hostConnected(ConnectedHost(
                hostID: "h-1", address: "127.0.0.2:\(port)", agentVersion: "0.1.0", capabilities: [], connectedAt: at))
        }
        await connect(4000, at: now)
        // The agent reconnects before the controller noticed the old connection was dead; the
        // old session then ends as replaced.
        await connect(4001, at: now + 10)
        await sink.hostDisconnected(hostID: "h-1", cause: .replaced)
        var report = Drover_V1_HostReport()
        report.cpu.usageBp = 4_200
        sink.hostReport(hostID: "h-1", report: report, receivedAt: now + 20)
        let host = try #require(sink.inventory.snapshot().host(id: "h-1"))
        #expect(host.state == .ready)
        #expect(host.latestReport?.cpu.usageBp == 4_200)
        #expect(host.address == "127.0.0.2:4001")
        // A real end of the newer session does make the host lost.
        await sink.hostDisconnected(hostID: "h-1", cause: .lost)
        #expect(sink.inventory.snapshot().host(id: "h-1")?.state == .lost)
    }
}
