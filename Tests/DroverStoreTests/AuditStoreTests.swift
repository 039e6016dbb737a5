import Synchronization
import Testing

@testable import DroverStore

@Suite("Audit log in the store, aggregation and log lines")
struct AuditStoreTests {
    func entry(_ at: Int64, _ action: String, actor: String = "ci", outcome: AuditOutcome = .ok) -> NewAuditEntry {
        NewAuditEntry(
            at: at, actorKind: .token, actorID: "id-\(actor)", actorName: actor, sourceAddress: "192.0.2.1",
            action: action, target: "web-1", outcome: outcome, status: 200, requestID: "req-1",
            details: ["k": "v"])
    }

    @Test("append, filter by time, actor and action (prefix by dotted parts), newest first")
    func listing() throws {
        let store = try SQLiteStateStore.inMemory()
        let first = try store.appendAudit(entry(t0, "host.drain"))
        try store.appendAudit(entry(t0 + 1, "host.remove", actor: "admin"))
        try store.appendAudit(entry(t0 + 2, "hostile.thing"))
        try store.appendAudit(entry(t0 + 3, "deploy.create", outcome: .refused))
        #expect(try store.listAudit(AuditQuery()).map(\.entry.action) == ["deploy.create", "hostile.thing", "host.remove", "host.drain"])
        #expect(try store.listAudit(AuditQuery(action: "host")).map(\.entry.action) == ["host.remove", "host.drain"])
        #expect(try store.listAudit(AuditQuery(action: "host.drain")).map(\.id) == [first.id])
        #expect(try store.listAudit(AuditQuery(actor: "admin")).count == 1)
        #expect(try store.listAudit(AuditQuery(actor: "id-ci")).count == 3)
        #expect(try store.listAudit(AuditQuery(since: t0 + 2)).count == 2)
        #expect(try store.listAudit(AuditQuery(limit: 1)).count == 1)
        #expect(try store.listAudit(AuditQuery(action: "%")).isEmpty)
        let stored = try #require(try store.listAudit(AuditQuery(action: "host.drain")).first)
        #expect(stored.entry == entry(t0, "host.drain"))
        #expect(storeError { try store.listAudit(AuditQuery(limit: -1)) } != nil)
        #expect(storeError { try store.appendAudit(entry(t0, "")) } != nil)
        try store.setAuditCount(id: first.id, count: 7)
        #expect(try store.listAudit(AuditQuery(action: "host.drain")).first?.entry.count == 7)
        #expect(storeError { try store.setAuditCount(id: first.id, count: 0) } != nil)
    }

    @Test("prune by age, then by row cap")
    func prune() throws {
        let store = try SQLiteStateStore.inMemory()
        for index in 0..<10 { try store.appendAudit(entry(t0 + Int64(index), "host.drain")) }
        #expect(try store.pruneAudit(olderThan: t0 + 3, keepingAtMost: 100) == 3)
        #expect(try store.pruneAudit(olderThan: t0, keepingAtMost: 5) == 2)
        #expect(try store.listAudit(AuditQuery()).map(\.entry.at) == (5..<10).reversed().map { t0 + Int64($0) })
        #expect(storeError { try store.pruneAudit(olderThan: t0, keepingAtMost: -1) } != nil)
    }

    @Test("the aggregator records the first refusal per key and window and counts the rest")
    func aggregator() {
        var aggregator = RefusalAggregator(windowMilliseconds: 60_000, maxKeys: 2)
        #expect(aggregator.observe("a", now: t0) == .record(key: "a"))
        aggregator.attach(recordID: 11, to: "a")
        for offset in 1...5 { #expect(aggregator.observe("a", now: t0 + Int64(offset)) == .counted) }
        #expect(aggregator.observe("b", now: t0 + 10) == .record(key: "b"))
        // A third source shares the overflow window.
        #expect(aggregator.observe("c", now: t0 + 20) == .record(key: RefusalAggregator.overflowKey))
        #expect(aggregator.observe("d", now: t0 + 30) == .counted)
        #expect(aggregator.close(now: t0 + 59_999).isEmpty)
        // A clock stepping back closes nothing.
        #expect(aggregator.close(now: t0 - 1_000_000).isEmpty)
        let closed = aggregator.close(now: t0 + 60_010)
        #expect(closed.map(\.key) == ["a", "b"])
        #expect(closed[0].count == 6 && closed[0].recordID == 11)
        #expect(aggregator.openCount == 1)
        // A refusal after the window opens a new one; the old one is handed back at the next close.
        #expect(aggregator.observe("*", now: t0 + 200_000) == .record(key: "*"))
        #expect(aggregator.close(now: t0 + 200_001).map(\.count) == [2])
    }

    @Test("AuditRecorder: one row per action and source a window, its count set at flush; one log line each")
    func recorder() throws {
        let store = try SQLiteStateStore.inMemory()
        let lines = Mutex<[String]>([])
        let recorder = AuditRecorder(store: store, windowMilliseconds: 60_000, maxSources: 2) { line in
            lines.withLock { $0.append(line) }
        }
        recorder.record(entry(t0, "host.drain"))
        func anonymous(_ at: Int64, _ source: String) -> NewAuditEntry {
            NewAuditEntry(
                at: at, actorKind: .anonymous, sourceAddress: source, action: "deploy.create", outcome: .refused,
                status: 401, reason: "invalid API token")
        }
        for index in 0..<1_000 { recorder.recordAggregated(anonymous(t0 + Int64(index), "203.0.113.9")) }
        for index in 0..<50 { recorder.recordAggregated(anonymous(t0 + 1_000, "198.51.100.\(index)")) }
        #expect(try store.listAudit(AuditQuery(limit: 1_000)).count == 4)
        recorder.flush(now: t0 + 30_000)
        #expect(try store.listAudit(AuditQuery(actor: nil, action: "deploy.create")).allSatisfy { $0.entry.count == 1 })
        recorder.flush(now: t0 + 61_000)
        let rows = try store.listAudit(AuditQuery(action: "deploy.create"))
        #expect(Dictionary(uniqueKeysWithValues: rows.map { ($0.entry.sourceAddress ?? "", $0.entry.count) })
            == ["203.0.113.9": 1_000, "198.51.100.0": 1, "*": 49])
        let logged = lines.withLock { $0 }
        #expect(logged.count == 4 + 2)
        #expect(
            logged[0]
                == "audit action=host.drain outcome=ok status=200 actor.kind=token actor.id=id-ci actor.name=ci "
                + "source=192.0.2.1 target=web-1 request.id=req-1 details.k=v")
    }

    @Test("free text from callers is stored printable and capped")
    func cleaned() throws {
        let store = try SQLiteStateStore.inMemory()
        let recorder = AuditRecorder(store: store)
        var hostile = entry(t0, "host.drain")
        hostile.target = "\u{1b}[2Jweb\nforged" + String(repeating: "x", count: 1_000)
        hostile.reason = "no host \u{9b}31m"
        recorder.record(hostile)
        recorder.recordAggregated(hostile)
        let rows = try store.listAudit(AuditQuery())
        #expect(rows.count == 2)
        for row in rows {
            let target = try #require(row.entry.target)
            #expect(target.hasPrefix("\\u{1b}[2Jweb\\u{a}forged"))
            #expect(target.unicodeScalars.count <= AuditRecorder.maxTargetLength + 1 && target.hasSuffix("x…"))
            #expect(row.entry.reason == "no host \\u{9b}31m")
            #expect(!target.unicodeScalars.contains { $0.value < 0x20 })
        }
    }

    @Test("logfmt quotes what could forge a field or a line")
    func logfmt() {
        #expect(Logfmt.value("plain-1.2") == "plain-1.2")
        #expect(Logfmt.value("") == "\"\"")
        #expect(Logfmt.value("two words") == "\"two words\"")
        #expect(Logfmt.value("a=b") == "\"a=b\"")
        #expect(Logfmt.value("x\" forged=1") == "\"x\\\" forged=1\"")
        #expect(Logfmt.value("l1\nl2") == "\"l1\\nl2\"")
        #expect(Logfmt.value("\u{1b}[31m") == "\"\\u{1b}[31m\"")
        #expect(Logfmt.line([("a", "1"), ("b", nil), ("c", "x y")]) == "a=1 c=\"x y\"")
    }
}
