import Testing

@testable import DroverStore

@Suite("Certificates")
struct CertificateTests {
    func makeStore() throws -> SQLiteStateStore {
        let store = try SQLiteStateStore.inMemory()
        for (id, name) in [("h-1", "web-1"), ("h-2", "web-2")] {
            try store.insertHost(
                HostRecord(id: id, name: name, address: "192.0.2.1", agentVersion: "0.1.0", enrolledAt: t0, lastSeenAt: t0)
            )
        }
        return store
    }

    func cert(_ serial: String, _ host: String, _ fingerprint: String, issuedAt: Int64 = t0) -> CertificateRecord {
        CertificateRecord(
            serial: serial,
            hostID: host,
            fingerprint: fingerprint,
            notBefore: issuedAt - 60_000,
            notAfter: issuedAt + 90 * 86_400_000,
            issuedAt: issuedAt
        )
    }

    @Test("recording makes the certificate findable and the host's current one")
    func record() throws {
        let store = try makeStore()
        try store.recordIssuedCertificate(cert("01AB", "h-1", "AA11"))
        let found = try store.certificate(fingerprint: "aa11")
        #expect(found == cert("01ab", "h-1", "aa11"))
        #expect(found?.notAfter == t0 + 90 * 86_400_000)
        #expect(try store.certificate(fingerprint: "AA11")?.serial == "01ab")
        #expect(try store.host(id: "h-1")?.certFingerprint == "aa11")
        try store.recordIssuedCertificate(cert("02", "h-1", "bb22", issuedAt: t0 + 1))
        #expect(try store.host(id: "h-1")?.certFingerprint == "bb22")
        #expect(try store.certificates(hostID: "h-1").map(\.serial) == ["01ab", "02"])
        #expect(try store.certificate(fingerprint: "ffff") == nil)
    }

    @Test("duplicates and unknown hosts are refused")
    func refusals() throws {
        let store = try makeStore()
        try store.recordIssuedCertificate(cert("01", "h-1", "aa"))
        #expect(storeError { try store.recordIssuedCertificate(cert("01", "h-2", "bb")) } == .duplicateCertificate(serial: "01"))
        #expect(storeError { try store.recordIssuedCertificate(cert("02", "h-2", "AA")) } == .duplicateCertificate(serial: "02"))
        #expect(storeError { try store.recordIssuedCertificate(cert("03", "h-9", "cc")) } == .hostNotFound("h-9"))
        #expect(try store.certificates(hostID: "h-2").isEmpty)
    }

    @Test("revoking a host's certificates feeds the deny list; earlier revocations are kept")
    func revoke() throws {
        let store = try makeStore()
        try store.recordIssuedCertificate(cert("01", "h-1", "aa"))
        try store.recordIssuedCertificate(cert("02", "h-1", "bb"))
        try store.recordIssuedCertificate(cert("03", "h-2", "cc"))
        #expect(try store.revokedFingerprints().isEmpty)
        #expect(try store.revokeCertificates(hostID: "h-1", reason: "key compromise", now: t0 + 7) == 2)
        #expect(try store.revokedFingerprints() == ["aa", "bb"])
        #expect(try store.certificate(fingerprint: "aa")?.revokedAt == t0 + 7)
        #expect(try store.certificate(fingerprint: "bb")?.revokeReason == "key compromise")
        #expect(try store.certificate(fingerprint: "cc")?.revokedAt == nil)
        #expect(try store.revokeCertificates(hostID: "h-1", reason: "again", now: t0 + 8) == 0)
        #expect(try store.certificate(fingerprint: "aa")?.revokeReason == "key compromise")
        #expect(storeError { try store.revokeCertificates(hostID: "h-9", reason: "x", now: t0) } == .hostNotFound("h-9"))
    }

    @Test("the deny list survives a restart")
    func denyListPersists() throws {
        try withTempDirectory { directory in
            let path = "\(directory)/state.db"
            do {
                let store = try SQLiteStateStore(path: path)
                try store.insertHost(
                    HostRecord(id: "h-1", name: "web-1", address: "a", agentVersion: "1", enrolledAt: t0, lastSeenAt: t0)
                )
                try store.recordIssuedCertificate(cert("01", "h-1", "aa"))
                _ = try store.updateHostState(id: "h-1", to: .removed, now: t0 + 1)
                try store.close()
            }
            #expect(try SQLiteStateStore(path: path).revokedFingerprints() == ["aa"])
        }
    }
}
