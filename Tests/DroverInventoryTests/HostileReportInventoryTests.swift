import DroverInventory
import DroverWire
import Testing

/// Host reports whose every figure is at its type's limit, or inconsistent with another.
@Suite("Fleet inventory: hostile reports")
struct HostileReportInventoryTests {
    static func extreme() -> Drover_V1_HostReport {
        var report = Drover_V1_HostReport()
        report.sequence = .max
        report.collectedUnixMs = .min
        report.intervalMs = .max
        report.cpu.usageBp = .max
        report.cpu.cores = .max
        report.memory.usedBytes = .max
        report.memory.totalBytes = 1
        var disk = Drover_V1_DiskStats()
        disk.mountPoint = "/"
        disk.usedBytes = .max
        disk.totalBytes = .max - 1
        var small = disk
        small.mountPoint = "/boot"
        small.usedBytes = 3
        small.totalBytes = 1
        report.disks = [disk, small]
        report.load.load1Milli = .max
        report.uptimeSeconds = .max
        return report
    }

    @Test("shares are clamped to 100 %, history and conditions keep working")
    func extremeFiguresAreClamped() {
        let sample = HostSample(report: Self.extreme(), now: 1_800_000_000_000)
        #expect(sample.cpuBasisPoints == 10_000 && sample.memoryBasisPoints == 10_000)
        #expect(sample.diskMaxBasisPoints == 10_000)
        #expect(sample.load1Milli == Int(UInt32.max))

        var inventory = FleetInventory()
        _ = inventory.hostConnected(hostID: "h", name: "h", address: "a", agentVersion: "1", labels: [:], now: 0)
        var raised: [InventoryEvent.Kind] = []
        // Received times far apart and going backwards: the history folds them without a trap.
        for (index, now) in [Int64(0), 5_000, .max / 2, 10_000, .max].enumerated() {
            raised += inventory.hostReport(hostID: "h", report: Self.extreme(), now: now).map(\.kind)
            #expect(inventory.host(id: "h")?.history.count == index + 1)
        }
        #expect(raised.contains(.conditionRaised(.cpuHigh)) && raised.contains(.conditionRaised(.memoryHigh)))
        #expect(raised.contains(.conditionRaised(.diskHigh)))
        // Every sample in the history stays within range.
        for point in inventory.host(id: "h")?.history.elements ?? [] {
            #expect((0...10_000).contains(point.cpuBasisPoints) && (0...10_000).contains(point.diskMaxBasisPoints))
        }
    }
}
