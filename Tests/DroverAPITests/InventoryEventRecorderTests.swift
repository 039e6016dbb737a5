import DroverAPI
import DroverInventory
import DroverStore
import DroverWire
import Testing

@Suite("Inventory events into the store")
struct InventoryEventRecorderTests {
    @Test("lost, recovered and conditions become events; lost and ready update the host state")
    func record() throws {
        let store = try SQLiteStateStore.inMemory()
        let t0: Int64 = 1_800_000_000_000
        try store.insertHost(
            HostRecord(
                id: "h-1", name: "web-1", address: "10.0.0.1", agentVersion: "0.1.0", enrolledAt: t0, lastSeenAt: t0))
        try store.insertHost(
            HostRecord(
                id: "h-2", name: "web-2", address: "10.0.0.2", state: .drained, agentVersion: "0.1.0", enrolledAt: t0,
                lastSeenAt: t0))
        let recorder = InventoryEventRecorder(store: store)
        var inventory = FleetInventory()
        try recorder.record(
            inventory.hostConnected(
                hostID: "h-1", name: "web-1", address: "10.0.0.1", agentVersion: "0.1.0", labels: [:], now: t0))
        try recorder.record(
            inventory.hostConnected(
                hostID: "h-2", name: "web-2", address: "10.0.0.2", agentVersion: "0.1.0", labels: [:], now: t0))
        let lost = try recorder.record(inventory.tick(now: t0 + 15_000))
        #expect(lost.map(\.kind) == ["host.lost", "host.lost"])
        #expect(lost.allSatisfy { $0.severity == .warning })
        #expect(try store.host(id: "h-1")?.state == .lost)
        // A drained host stays drained in the store: that is the operator's decision.
        #expect(try store.host(id: "h-2")?.state == .drained)

        var report = sampleReport(cpu: 9_900, memoryUsed: 1 << 30)
        report.disks = []
        var events: [InventoryEvent] = []
        for step in 1...3 {
            events += inventory.hostReport(hostID: "h-1", report: report, now: t0 + 15_000 + Int64(step) * 5_000)
        }
        let stored = try recorder.record(events)
        #expect(stored.map(\.kind) == ["host.recovered", "host.condition.raised"])
        #expect(stored[1].details == ["host.name": "web-1", "condition": "CPUHigh"])
        #expect(stored[1].message == "condition CPUHigh raised")
        #expect(try store.host(id: "h-1")?.state == .ready)
        #expect(try store.host(id: "h-1")?.lastSeenAt == t0 + 20_000)
        #expect(try store.listEvents(EventQuery(kindPrefix: "host.")).count == 6)
    }
}
