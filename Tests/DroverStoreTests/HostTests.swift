import Testing

@testable import DroverStore

@Suite("Hosts")
struct HostTests {
    func host(_ id: String, _ name: String, labels: [String: String] = [:]) -> HostRecord {
        HostRecord(
            id: id,
            name: name,
            address: "192.0.2.10:7443",
            labels: labels,
            agentVersion: "0.1.0",
            enrolledAt: t0,
            lastSeenAt: t0
        )
    }

    @Test("new ids look like h-xxxxxxxxxxxx and differ")
    func ids() {
        let a = HostRecord.newID()
        let b = HostRecord.newID()
        #expect(a.hasPrefix("h-"))
        #expect(a.utf8.count == 14)
        #expect(a.dropFirst(2).utf8.allSatisfy { TokenText.idAlphabet.contains($0) })
        #expect(a != b)
    }

    @Test("insert and get by id and name round-trip every field")
    func roundTrip() throws {
        let store = try SQLiteStateStore.inMemory()
        var record = host("h-aaaaaaaaaaaa", "web-1", labels: ["zone": "eu-1", "tier": "front", "quote": "a\"b/c"])
        record.certFingerprint = "ABCDEF01"
        try store.insertHost(record)
        var expected = record
        expected.certFingerprint = "abcdef01"
        #expect(try store.host(id: "h-aaaaaaaaaaaa") == expected)
        #expect(try store.host(named: "web-1") == expected)
        #expect(try store.host(id: "h-missing") == nil)
        #expect(try store.host(named: "web-2") == nil)
    }

    @Test("labels are stored as JSON with sorted keys and replaced as a whole")
    func labels() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.insertHost(host("h-1", "web-1", labels: ["b": "2", "a": "1"]))
        #expect(try store.scalarText("SELECT labels FROM hosts WHERE id = 'h-1'") == #"{"a":"1","b":"2"}"#)
        let updated = try store.setHostLabels(id: "h-1", labels: ["env": "prod"])
        #expect(updated.labels == ["env": "prod"])
        #expect(try store.host(id: "h-1")?.labels == ["env": "prod"])
        #expect(storeError { try store.setHostLabels(id: "h-nope", labels: [:]) } == .hostNotFound("h-nope"))
    }

    @Test("names are unique among hosts that are not removed")
    func nameUniqueness() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.insertHost(host("h-1", "web-1"))
        let error = storeError { try store.insertHost(host("h-2", "web-1")) }
        #expect(error == .duplicateHostName("web-1"))
        #expect(error?.description == "a host named \"web-1\" already exists")
        #expect(
            storeError { try store.insertHost(host("h-1", "web-9")) } == .invalidArgument("host id h-1 already exists"))

        _ = try store.updateHostState(id: "h-1", to: .removed, now: t0 + 100)
        try store.insertHost(host("h-2", "web-1"))
        #expect(try store.host(named: "web-1")?.id == "h-2")
        #expect(try store.listHosts().map(\.id) == ["h-2"])
        #expect(try store.listHosts(includeRemoved: true).map(\.id) == ["h-1", "h-2"])
    }

    @Test("state changes; removal sets removed_at, revokes certificates and is final")
    func stateChanges() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.insertHost(host("h-1", "web-1"))
        #expect(try store.updateHostState(id: "h-1", to: .lost, now: t0 + 1).state == .lost)
        #expect(try store.updateHostState(id: "h-1", to: .drained, now: t0 + 2).state == .drained)
        #expect(try store.updateHostState(id: "h-1", to: .ready, now: t0 + 3).state == .ready)
        try store.recordIssuedCertificate(
            CertificateRecord(
                serial: "0a", hostID: "h-1", fingerprint: "f1", notBefore: t0, notAfter: t0 + 10, issuedAt: t0)
        )
        let removed = try store.updateHostState(id: "h-1", to: .removed, now: t0 + 4)
        #expect(removed.state == .removed)
        #expect(removed.removedAt == t0 + 4)
        #expect(try store.certificate(fingerprint: "f1")?.revokedAt == t0 + 4)
        #expect(try store.certificate(fingerprint: "f1")?.revokeReason == "host removed")
        #expect(try store.revokedFingerprints() == ["f1"])
        #expect(try store.updateHostState(id: "h-1", to: .removed, now: t0 + 9).removedAt == t0 + 4)
        #expect(storeError { try store.updateHostState(id: "h-1", to: .ready, now: t0 + 5) } == .hostRemoved("h-1"))
        #expect(storeError { try store.updateHostState(id: "h-x", to: .ready, now: t0) } == .hostNotFound("h-x"))
    }

    @Test("heartbeats update last seen, and address/version only when given")
    func seen() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.insertHost(host("h-1", "web-1"))
        let a = try store.recordHostSeen(id: "h-1", now: t0 + 5_000)
        #expect(a.lastSeenAt == t0 + 5_000)
        #expect(a.address == "192.0.2.10:7443")
        #expect(a.agentVersion == "0.1.0")
        let b = try store.recordHostSeen(id: "h-1", now: t0 + 10_000, address: "192.0.2.11:7443", agentVersion: "0.2.0")
        #expect(b.lastSeenAt == t0 + 10_000)
        #expect(b.address == "192.0.2.11:7443")
        #expect(b.agentVersion == "0.2.0")
        #expect(b.enrolledAt == t0)
        #expect(storeError { try store.recordHostSeen(id: "h-x", now: t0) } == .hostNotFound("h-x"))
    }

    @Test("list is ordered by name")
    func listOrder() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.insertHost(host("h-3", "db-1"))
        try store.insertHost(host("h-1", "web-2"))
        try store.insertHost(host("h-2", "web-1"))
        #expect(try store.listHosts().map(\.name) == ["db-1", "web-1", "web-2"])
    }

    @Test("session starts are recorded in one batch: seen, address, version, lost hosts ready, one event each")
    func sessionStarts() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.insertHost(host("h-1", "web-1", labels: ["zone": "a"]))
        try store.insertHost(host("h-2", "web-2"))
        _ = try store.updateHostState(id: "h-2", to: .lost, now: t0 + 1)
        try store.insertHost(host("h-3", "web-3"))
        _ = try store.updateHostState(id: "h-3", to: .drained, now: t0 + 1)
        func start(_ id: String, at: Int64) -> HostSessionStart {
            HostSessionStart(
                hostID: id, at: at, address: "127.0.0.9:4000", agentVersion: "0.2.0",
                event: NewEvent(at: at, kind: "host.connected", hostID: id, message: "agent 0.2.0 connected"))
        }
        let records = try store.recordHostsConnected([
            start("h-1", at: t0 + 10), start("h-missing", at: t0 + 11),
            start("h-2", at: t0 + 12), start("h-3", at: t0 + 13),
        ])
        #expect(records.map { $0?.id } == ["h-1", nil, "h-2", "h-3"])
        #expect(records[0]?.labels == ["zone": "a"])
        #expect(records[0]?.lastSeenAt == t0 + 10)
        #expect(records[0]?.address == "127.0.0.9:4000")
        #expect(records[0]?.agentVersion == "0.2.0")
        #expect(records[2]?.state == .ready)
        #expect(records[3]?.state == .drained)
        let events = try store.listEvents(EventQuery(kindPrefix: "host.connected"))
        #expect(events.map(\.hostID).sorted { ($0 ?? "") < ($1 ?? "") } == ["h-1", "h-2", "h-3"])
        #expect(try store.recordHostsConnected([]).isEmpty)
    }
}
