import Testing

@testable import DroverStore

@Suite("Events")
struct EventTests {
    /// A store with hosts h-1, h-2 and five events at t0+1 … t0+5.
    func seeded() throws -> SQLiteStateStore {
        let store = try SQLiteStateStore.inMemory()
        for id in ["h-1", "h-2"] {
            try store.insertHost(
                HostRecord(id: id, name: id, address: "a", agentVersion: "1", enrolledAt: t0, lastSeenAt: t0))
        }
        let events = [
            NewEvent(
                at: t0 + 1, kind: "host.enrolled", hostID: "h-1", message: "h-1 joined", details: ["token": "abcd1234"]),
            NewEvent(at: t0 + 2, kind: "token.refused", severity: .warning, message: "expired token"),
            NewEvent(at: t0 + 3, kind: "host.enrolled", hostID: "h-2", message: "h-2 joined"),
            NewEvent(at: t0 + 4, kind: "host.lost", severity: .error, hostID: "h-1", message: "h-1 lost"),
            NewEvent(at: t0 + 5, kind: "hostname.changed", hostID: "h-2", message: "renamed"),
        ]
        for event in events {
            _ = try store.appendEvent(event)
        }
        return store
    }

    @Test("append assigns increasing ids and round-trips every field")
    func append() throws {
        let store = try SQLiteStateStore.inMemory()
        let a = try store.appendEvent(
            NewEvent(
                at: t0, kind: "token.refused", severity: .warning, message: "refused",
                details: ["reason": "expired", "id": "x"])
        )
        let b = try store.appendEvent(NewEvent(at: t0, kind: "host.lost", message: "m"))
        #expect(a.id == 1)
        #expect(b.id == 2)
        #expect(
            try store.listEvents(EventQuery()) == [
                b,
                EventRecord(
                    id: 1, at: t0, kind: "token.refused", severity: .warning, hostID: nil, message: "refused",
                    details: ["reason": "expired", "id": "x"]
                ),
            ]
        )
        #expect(
            storeError { try store.appendEvent(NewEvent(at: t0, kind: "", message: "m")) }
                == .invalidArgument("event kind must not be empty"))
    }

    @Test("list is newest first and honours the limit")
    func newestFirst() throws {
        let store = try seeded()
        #expect(try store.listEvents(EventQuery()).map(\.at) == [t0 + 5, t0 + 4, t0 + 3, t0 + 2, t0 + 1])
        #expect(try store.listEvents(EventQuery(limit: 2)).map(\.at) == [t0 + 5, t0 + 4])
    }

    @Test("filters: kind prefix (exact, not LIKE), host, since")
    func filters() throws {
        let store = try seeded()
        #expect(
            try store.listEvents(EventQuery(kindPrefix: "host.")).map(\.kind) == [
                "host.lost", "host.enrolled", "host.enrolled",
            ])
        #expect(try store.listEvents(EventQuery(kindPrefix: "host")).count == 4)
        #expect(try store.listEvents(EventQuery(kindPrefix: "host_")).isEmpty)
        #expect(try store.listEvents(EventQuery(kindPrefix: "%")).isEmpty)
        #expect(try store.listEvents(EventQuery(hostID: "h-1")).map(\.message) == ["h-1 lost", "h-1 joined"])
        #expect(try store.listEvents(EventQuery(since: t0 + 4)).map(\.at) == [t0 + 5, t0 + 4])
        #expect(
            try store.listEvents(EventQuery(kindPrefix: "host.", hostID: "h-2", since: t0 + 2)).map(\.message) == [
                "h-2 joined"
            ]
        )
        #expect(try store.listEvents(EventQuery(kindPrefix: "host.", hostID: "h-1")).first?.severity == .error)
    }

    @Test("prune removes events older than the cutoff, then the oldest beyond the cap")
    func prune() throws {
        let store = try seeded()
        #expect(try store.pruneEvents(olderThan: t0 + 3, keepingAtMost: 100) == 2)
        #expect(try store.listEvents(EventQuery()).map(\.at) == [t0 + 5, t0 + 4, t0 + 3])
        #expect(try store.pruneEvents(olderThan: t0, keepingAtMost: 2) == 1)
        #expect(try store.listEvents(EventQuery()).map(\.at) == [t0 + 5, t0 + 4])
        #expect(try store.pruneEvents(olderThan: t0, keepingAtMost: 2) == 0)
        #expect(try store.pruneEvents(olderThan: t0 + 100, keepingAtMost: 10) == 2)
        #expect(try store.listEvents(EventQuery()).isEmpty)
        #expect(
            storeError { try store.pruneEvents(olderThan: t0, keepingAtMost: -1) }
                == .invalidArgument("events to keep must not be negative"))
    }

    @Test("a batch is appended in order with one transaction, all or none")
    func batch() throws {
        let store = try SQLiteStateStore.inMemory()
        try store.appendEvents([])
        try store.appendEvents([
            NewEvent(at: t0, kind: "rollout.host", message: "one", details: ["rollout.id": "r"]),
            NewEvent(at: t0, kind: "rollout.host", message: "two"),
        ])
        #expect(try store.listEvents(EventQuery()).map(\.message) == ["two", "one"])
        #expect(
            storeError {
                try store.appendEvents([
                    NewEvent(at: t0, kind: "rollout.host", message: "three"), NewEvent(at: t0, kind: "", message: "x"),
                ])
            } == .invalidArgument("event kind must not be empty"))
        #expect(try store.listEvents(EventQuery()).count == 2)
    }
}
