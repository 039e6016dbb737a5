@testable import DroverController
import DroverSession
import DroverStore
import Testing

@Suite("Retention: scheduled pruning of the audit log and events")
struct RetentionTests {
    let t0: Int64 = 1_800_000_000_000
    let day: Int64 = 86_400_000

    @Test("the schedule prunes at the first tick, then once per interval, from the right cutoffs")
    func schedule() {
        var policy = RetentionPolicy()
        policy.pruneInterval = .seconds(600)
        var machine = RetentionScheduleStateMachine(policy: policy)
        #expect(machine.tick(now: t0) == .prune(auditBefore: t0 - 90 * day, eventsBefore: t0 - 30 * day))
        #expect(machine.tick(now: t0 + 1_000) == .wait)
        #expect(machine.tick(now: t0 + 599_999) == .wait)
        #expect(machine.tick(now: t0 + 600_000) == .prune(auditBefore: t0 + 600_000 - 90 * day, eventsBefore: t0 + 600_000 - 30 * day))
        // A clock stepping back prunes at once rather than waiting for the old time to come again.
        #expect(machine.tick(now: t0 - day) != .wait)
        #expect(RetentionScheduleStateMachine.cutoff(now: .min + 5, age: .seconds(86_400)) == .min)
    }

    @Test("the pruner keeps age and row caps on a real store, driven by an injected clock")
    func pruner() throws {
        let store = try SQLiteStateStore.inMemory()
        var policy = RetentionPolicy()
        policy.auditMaxRows = 5
        policy.eventsMaxRows = 1_000
        policy.pruneInterval = .seconds(600)
        let pruner = RetentionPruner(
            store: store, policy: policy, logger: DroverLogger(label: "test", minimumLevel: .error))
        // Audit: 3 rows past 90 days, 8 recent ones; events: 2 past 30 days, 3 recent.
        for age in [100, 95, 91] {
            try store.appendAudit(
                NewAuditEntry(at: t0 - Int64(age) * day, actorKind: .system, action: "old", outcome: .ok))
        }
        for index in 0..<8 {
            try store.appendAudit(NewAuditEntry(at: t0 - Int64(index), actorKind: .system, action: "new", outcome: .ok))
        }
        for age in [40, 31, 1, 0, 0] {
            _ = try store.appendEvent(NewEvent(at: t0 - Int64(age) * day, kind: "host.lost", message: "m"))
        }
        #expect(pruner.tick(now: t0) == RetentionPruner.Pruned(audit: 6, events: 2))
        #expect(try store.listAudit(AuditQuery()).map(\.entry.at) == (0..<5).map { t0 - Int64($0) })
        #expect(try store.listEvents(EventQuery()).count == 3)

        // Not due again until the interval has passed.
        #expect(pruner.tick(now: t0 + 1_000) == nil)
        // 29 days on, the event that was a day old is past 30 days.
        #expect(pruner.tick(now: t0 + 29 * day + 1) == RetentionPruner.Pruned(audit: 0, events: 1))
        #expect(try store.listEvents(EventQuery()).count == 2)
    }
}
