import DroverInventory
import DroverWire
import Testing

/// Fixed start time: tests drive the clock by hand.
let t0: Int64 = 1_800_000_000_000

/// A report with the given CPU (basis points), memory and disk usage.
func report(
    cpu: UInt32 = 1_000, memoryUsed: UInt64 = 1 << 30, memoryTotal: UInt64 = 8 << 30,
    disks: [(String, UInt64, UInt64)] = [("/", 10, 100)]
) -> Drover_V1_HostReport {
    var report = Drover_V1_HostReport()
    report.cpu.usageBp = cpu
    report.cpu.cores = 4
    report.memory.usedBytes = memoryUsed
    report.memory.totalBytes = memoryTotal
    report.disks = disks.map { mount, used, total in
        var disk = Drover_V1_DiskStats()
        disk.mountPoint = mount
        disk.usedBytes = used
        disk.totalBytes = total
        return disk
    }
    report.load.load1Milli = 1_250
    return report
}

@Suite("Fleet inventory")
struct FleetInventoryTests {
    func connected(
        _ id: String = "h-1", name: String = "web-1", configuration: InventoryConfiguration = InventoryConfiguration()
    ) -> FleetInventory {
        var inventory = FleetInventory(configuration: configuration)
        let events = inventory.hostConnected(
            hostID: id, name: name, address: "10.0.0.1", agentVersion: "0.1.0", labels: ["zone": "a"], now: t0)
        #expect(events == [InventoryEvent(at: t0, hostID: id, kind: .connected)])
        return inventory
    }

    @Test("a connected host is ready and keeps its latest report")
    func connectAndReport() {
        var inventory = connected()
        #expect(inventory.host(id: "h-1")?.state == .ready)
        #expect(inventory.hostReport(hostID: "h-1", report: report(cpu: 4_200), now: t0 + 5_000).isEmpty)
        let host = inventory.host(named: "web-1")
        #expect(host?.latestReport?.cpu.usageBp == 4_200)
        #expect(host?.lastSeenAt == t0 + 5_000)
        #expect(host?.history.count == 1)
        #expect(host?.history.last?.cpuBasisPoints == 4_200)
        #expect(host?.history.last?.diskMaxMountPoint == "/")
        #expect(host?.labels == ["zone": "a"])
    }

    @Test("silence for 3 intervals (15 s) makes a host lost, not before; a report recovers it")
    func lostAndRecovered() {
        var inventory = connected()
        _ = inventory.hostReport(hostID: "h-1", report: report(), now: t0)
        #expect(inventory.tick(now: t0 + 14_999).isEmpty)
        #expect(inventory.host(id: "h-1")?.state == .ready)
        #expect(inventory.tick(now: t0 + 15_000) == [InventoryEvent(at: t0 + 15_000, hostID: "h-1", kind: .lost)])
        #expect(inventory.host(id: "h-1")?.state == .lost)
        // Reported once only.
        #expect(inventory.tick(now: t0 + 60_000).isEmpty)
        #expect(inventory.countsByState()[.lost] == 1)
        #expect(inventory.countsByState()[.ready] == 0)
        let events = inventory.hostReport(hostID: "h-1", report: report(), now: t0 + 61_000)
        #expect(events == [InventoryEvent(at: t0 + 61_000, hostID: "h-1", kind: .recovered)])
        #expect(inventory.host(id: "h-1")?.state == .ready)
    }

    @Test("heartbeats keep a host alive without reports")
    func heartbeats() {
        var inventory = connected()
        for second in stride(from: 5, through: 60, by: 5) {
            #expect(inventory.hostSeen(hostID: "h-1", now: t0 + Int64(second) * 1_000).isEmpty)
            #expect(inventory.tick(now: t0 + Int64(second) * 1_000 + 4_000).isEmpty)
        }
        #expect(inventory.host(id: "h-1")?.state == .ready)
    }

    @Test("a custom interval changes the lost deadline")
    func customInterval() {
        var configuration = InventoryConfiguration()
        configuration.reportIntervalMilliseconds = 10_000
        var inventory = connected(configuration: configuration)
        #expect(inventory.tick(now: t0 + 29_999).isEmpty)
        #expect(inventory.tick(now: t0 + 30_000).count == 1)
    }

    @Test("disconnect makes a host lost at once; reconnect makes it ready")
    func disconnect() {
        var inventory = connected()
        #expect(
            inventory.hostDisconnected(hostID: "h-1", now: t0 + 1) == [
                InventoryEvent(at: t0 + 1, hostID: "h-1", kind: .disconnected)
            ])
        #expect(inventory.host(id: "h-1")?.state == .lost)
        #expect(inventory.hostDisconnected(hostID: "h-1", now: t0 + 2).isEmpty)
        // Reports without a session are ignored; ticks do not report a disconnected host again.
        #expect(inventory.hostReport(hostID: "h-1", report: report(), now: t0 + 3).isEmpty)
        #expect(inventory.host(id: "h-1")?.history.isEmpty == true)
        #expect(inventory.tick(now: t0 + 100_000).isEmpty)
        _ = inventory.hostConnected(
            hostID: "h-1", name: "web-1b", address: "10.0.0.9", agentVersion: "0.2.0", labels: [:], now: t0 + 200_000)
        let host = inventory.host(id: "h-1")
        #expect(host?.state == .ready)
        #expect(host?.name == "web-1b")
        #expect(host?.agentVersion == "0.2.0")
    }

    @Test("CPU over 85 % raises CPUHigh only when sustained for 3 reports; clears after 3 under")
    func cpuSustained() {
        var inventory = connected()
        var now = t0
        func send(_ cpu: UInt32) -> [InventoryEvent] {
            now += 5_000
            return inventory.hostReport(hostID: "h-1", report: report(cpu: cpu), now: now)
        }
        #expect(send(9_000).isEmpty)
        #expect(send(9_000).isEmpty)
        #expect(send(8_000).isEmpty)  // spike broken: streak restarts
        #expect(send(8_500).isEmpty)  // exactly at the threshold is not over
        #expect(send(9_500).isEmpty)
        #expect(send(9_500).isEmpty)
        #expect(send(9_500) == [InventoryEvent(at: now, hostID: "h-1", kind: .conditionRaised(.cpuHigh))])
        #expect(inventory.host(id: "h-1")?.sortedConditions == [.cpuHigh])
        #expect(send(9_900).isEmpty)  // raised once
        #expect(send(1_000).isEmpty)
        #expect(send(1_000).isEmpty)
        #expect(send(9_000).isEmpty)  // still raised: the dip was not sustained
        #expect(inventory.host(id: "h-1")?.conditions == [.cpuHigh])
        #expect(send(1_000).isEmpty)
        #expect(send(1_000).isEmpty)
        let cleared = send(1_000)
        #expect(cleared == [InventoryEvent(at: now, hostID: "h-1", kind: .conditionCleared(.cpuHigh))])
        #expect(cleared.first?.message == "condition CPUHigh cleared")
        #expect(inventory.host(id: "h-1")?.conditions.isEmpty == true)
    }

    @Test("memory over 90 % and any disk over 85 % raise their conditions")
    func memoryAndDisk() {
        var inventory = connected()
        let heavy = report(memoryUsed: 95 << 30, memoryTotal: 100 << 30, disks: [("/", 10, 100), ("/var/lib/containers", 86, 100)])
        var events: [InventoryEvent] = []
        for step in 1...3 {
            events += inventory.hostReport(hostID: "h-1", report: heavy, now: t0 + Int64(step) * 5_000)
        }
        #expect(events.map(\.kind) == [.conditionRaised(.memoryHigh), .conditionRaised(.diskHigh)])
        #expect(events.map(\.message) == ["condition MemoryHigh raised", "condition DiskHigh raised"])
        #expect(events.allSatisfy { $0.isWarning && $0.name == "host.condition.raised" })
        let sample = inventory.host(id: "h-1")?.history.last
        #expect(sample?.diskMaxMountPoint == "/var/lib/containers")
        #expect(sample?.diskMaxBasisPoints == 8_600)
        #expect(sample?.memoryBasisPoints == 9_500)
    }

    @Test("thresholds are configurable")
    func customThresholds() {
        var configuration = InventoryConfiguration()
        configuration.cpuHighBasisPoints = 5_000
        configuration.sustainedReports = 1
        var inventory = connected(configuration: configuration)
        #expect(
            inventory.hostReport(hostID: "h-1", report: report(cpu: 5_001), now: t0 + 1).map(\.kind) == [
                .conditionRaised(.cpuHigh)
            ])
    }

    @Test("history keeps more than an hour: every report of the last five minutes, minute averages before")
    func historyBounded() {
        var inventory = connected()
        let history = InventoryConfiguration().makeHistory()
        #expect(history.recentCapacity >= 60)
        #expect(history.minuteCapacity >= 60)
        // Two hours of 5 s reports; the disk fills up at one report in the second hour only.
        let end = t0 + 1_440 * 5_000
        for step in 1...1_440 {
            let disk: UInt64 = step == 1_000 ? 95 : 50
            _ = inventory.hostReport(
                hostID: "h-1", report: report(cpu: UInt32(step), disks: [("/", disk, 100)]), now: t0 + Int64(step) * 5_000)
        }
        let host = inventory.host(id: "h-1")!
        let samples = host.history.elements
        #expect(samples.count == host.history.count)
        #expect(samples.count <= history.recentCapacity + history.minuteCapacity + 1)
        #expect(samples.map(\.at) == samples.map(\.at).sorted())
        // More than an hour back, and the newest five minutes at full resolution.
        #expect(samples.first!.at <= end - 3_600_000)
        let recent = samples.suffix(history.recentCapacity)
        #expect(recent.last?.cpuBasisPoints == 1_440)
        #expect(zip(recent, recent.dropFirst()).allSatisfy { $1.at - $0.at == 5_000 })
        // Older samples are minute averages: 12 reports of rising CPU average to the middle.
        let older = samples.dropLast(history.recentCapacity + 1)
        #expect(older.count >= 60)
        for minute in older.dropFirst() {
            let firstStep = Int((minute.at - t0) / 5_000)
            #expect(minute.cpuBasisPoints == firstStep + 5, "minute at step \(firstStep)")
        }
        // The one full-disk report survives averaging (the fullest of its minute is kept).
        #expect(older.contains { $0.diskMaxBasisPoints == 9_500 && $0.diskMaxMountPoint == "/" })
        let lastHour = host.history(since: end - 3_600_000)
        #expect(lastHour.count >= 60 + history.recentCapacity - 5 * 12)
    }

    @Test("drain and remove are operator transitions; removed hosts ignore everything")
    func drainAndRemove() {
        var inventory = connected()
        _ = inventory.hostConnected(
            hostID: "h-2", name: "db-1", address: "10.0.0.2", agentVersion: "0.1.0", labels: [:], now: t0)
        #expect(inventory.setDrained(hostID: "h-1", true, now: t0 + 1).map(\.kind) == [.drained])
        #expect(inventory.setDrained(hostID: "h-1", true, now: t0 + 2).isEmpty)
        #expect(inventory.host(id: "h-1")?.state == .drained)
        // Lost wins over drained while the host is silent.
        #expect(inventory.tick(now: t0 + 20_000).count == 2)
        #expect(inventory.host(id: "h-1")?.state == .lost)
        _ = inventory.hostSeen(hostID: "h-1", now: t0 + 20_001)
        #expect(inventory.host(id: "h-1")?.state == .drained)
        #expect(inventory.remove(hostID: "h-1", now: t0 + 30_000).map(\.kind) == [.removed])
        #expect(inventory.remove(hostID: "h-1", now: t0 + 30_001).isEmpty)
        #expect(inventory.host(id: "h-1")?.state == .removed)
        #expect(inventory.host(named: "web-1") == nil)
        #expect(inventory.hosts().map(\.id) == ["h-2"])
        #expect(inventory.hosts(includeRemoved: true).map(\.id) == ["h-2", "h-1"])
        #expect(inventory.hostReport(hostID: "h-1", report: report(), now: t0 + 31_000).isEmpty)
        #expect(
            inventory.hostConnected(
                hostID: "h-1", name: "web-1", address: "x", agentVersion: "0", labels: [:], now: t0 + 32_000
            ).isEmpty)
        #expect(inventory.host(id: "h-1")?.state == .removed)
        // h-2 went lost at the earlier tick and is not reported again; removed h-1 never is.
        #expect(inventory.tick(now: t0 + 100_000).isEmpty)
        #expect(inventory.host(id: "h-2")?.state == .lost)
    }

    @Test("restored hosts show as lost until their agent connects")
    func restore() {
        var inventory = FleetInventory()
        inventory.restore(
            hostID: "h-9", name: "old", address: "10.0.0.9", agentVersion: "0.1.0", labels: [:], isDrained: true,
            isRemoved: false, lastSeenAt: t0)
        #expect(inventory.host(id: "h-9")?.state == .lost)
        _ = inventory.hostConnected(
            hostID: "h-9", name: "old", address: "10.0.0.9", agentVersion: "0.1.0", labels: [:], now: t0 + 1)
        #expect(inventory.host(id: "h-9")?.state == .drained)
    }

    @Test("shared inventory feeds and snapshots under a lock")
    func shared() {
        let shared = SharedFleetInventory()
        let events = shared.withInventory {
            $0.hostConnected(hostID: "h-1", name: "a", address: "x", agentVersion: "1", labels: [:], now: t0)
        }
        #expect(events.count == 1)
        #expect(shared.snapshot().hosts().count == 1)
    }
}

@Suite("Ring buffer and samples")
struct RingBufferTests {
    @Test("overwrites the oldest element and returns oldest first")
    func ring() {
        var ring = RingBuffer<Int>(capacity: 3)
        #expect(ring.isEmpty && ring.last == nil)
        for value in 1...5 { ring.append(value) }
        #expect(ring.elements == [3, 4, 5])
        #expect(ring.last == 5)
        #expect(ring.suffix(2) == [4, 5])
        #expect(ring.count == 3)
    }

    @Test("basis points never overflow on huge disks")
    func hugeDisk() {
        let sample = HostSample(
            report: report(
                memoryUsed: UInt64.max / 2, memoryTotal: UInt64.max, disks: [("/big", UInt64.max - 1, UInt64.max)]),
            now: t0)
        #expect(sample.memoryBasisPoints == 4_999 || sample.memoryBasisPoints == 5_000)
        #expect(sample.diskMaxBasisPoints == 9_999 || sample.diskMaxBasisPoints == 10_000)
        let empty = HostSample(report: Drover_V1_HostReport(), now: t0)
        #expect(empty.memoryBasisPoints == 0 && empty.diskMaxMountPoint.isEmpty)
    }
}
