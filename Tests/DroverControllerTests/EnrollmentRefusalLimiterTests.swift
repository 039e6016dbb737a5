@testable import DroverController
import DroverSession
import DroverStore
import DroverTLS
import DroverWire
import Foundation
import Testing

/// Refused enrollments cannot grow the events table without bound.
@Suite struct EnrollmentRefusalLimiterTests {
    let t0: Int64 = 1_800_000_000_000

    func authority(_ store: SQLiteStateStore, limiter: EnrollmentRefusalLimiter) throws -> EnrollmentAuthority {
        let ca = try CertificateAuthority.createSelfSigned(
            commonName: "Test Fleet CA", key: try PrivateKey.generateP256(),
            notBefore: t0 / 1000 - 60, notAfter: t0 / 1000 + 86_400)
        return EnrollmentAuthority(
            store: store, ca: ca, lifetime: .seconds(86_400), logger: DroverLogger(label: "test", minimumLevel: .error),
            refusals: limiter)
    }

    @Test func aFloodFromOneAddressMakesOneEventAndOneSummaryAMinute() throws {
        let store = try SQLiteStateStore.inMemory()
        let audit = AuditRecorder(store: store, maxSources: 4)
        let limiter = EnrollmentRefusalLimiter(
            store: store, logger: DroverLogger(label: "test", minimumLevel: .error), audit: audit, maxSources: 4)
        let authority = try authority(store, limiter: limiter)
        let key = try PrivateKey.generateP256()
        var request = Drover_V1_EnrollRequest()
        request.csrDer = Data(try CertificateSigningRequest(key: key, commonName: "rogue").derBytes)
        request.token = "drv_nope1234_" + String(repeating: "z", count: 32)
        for index in 0..<500 {
            guard case .failure = authority.enroll(request, address: "203.0.113.5", now: t0 + Int64(index)) else {
                Issue.record("a wrong token must be refused")
                return
            }
        }
        var events = try store.listEvents(EventQuery(kindPrefix: "enrollment.refused"))
        #expect(events.count == 1)
        #expect(events.first?.details["address"] == "203.0.113.5")

        // Many addresses share one window past the limit.
        for index in 0..<100 {
            _ = authority.enroll(request, address: "198.51.100.\(index)", now: t0 + 1_000)
        }
        events = try store.listEvents(EventQuery(kindPrefix: "enrollment.refused"))
        #expect(events.count == 1 + 3 + 1)
        #expect(events.contains { $0.details["address"] == "*" })

        limiter.flush(now: t0 + 59_000)
        #expect(try store.listEvents(EventQuery(kindPrefix: "enrollment.refused")).count == 5)
        limiter.flush(now: t0 + 61_000)
        events = try store.listEvents(EventQuery(kindPrefix: "enrollment.refused"))
        let summaries = events.filter { $0.details["count"] != nil }
        #expect(Dictionary(uniqueKeysWithValues: summaries.map { ($0.details["address"] ?? "", $0.details["count"] ?? "") })
            == ["203.0.113.5": "499", "*": "96"])
        // The audit log is aggregated the same way: one row per address a minute, with its count.
        audit.flush(now: t0 + 61_000)
        let rows = try store.listAudit(AuditQuery(action: "enrollment.refuse"))
        #expect(rows.count == 5)
        #expect(rows.allSatisfy { $0.entry.actorKind == .anonymous && $0.entry.outcome == .refused })
        #expect(rows.first { $0.entry.sourceAddress == "203.0.113.5" }?.entry.count == 500)
        #expect(rows.first { $0.entry.sourceAddress == "*" }?.entry.count == 97)

        // The next minute starts a new window: one more event, not one per attempt.
        for index in 0..<10 { _ = authority.enroll(request, address: "203.0.113.5", now: t0 + 70_000 + Int64(index)) }
        #expect(try store.listEvents(EventQuery(kindPrefix: "enrollment.refused")).count == events.count + 1)
    }
}
