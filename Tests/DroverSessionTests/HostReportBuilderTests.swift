import DroverAgent
import DroverHost
import DroverProxy
import DroverWire
import NIOCore
import SwiftProtobuf
import Testing

@Suite struct HostReportBuilderTests {
    @Test func mapsEveryFigureInTheProtoUnits() {
        let now = ContinuousClock.now
        let snapshot = HostSnapshot(
            collectedAt: now,
            interval: .milliseconds(5_000),
            cpu: CPUUsage(
                total: CPUShare(busy: 2_500, user: 1_500, system: 900, iowait: 100, steal: 7),
                cores: [
                    CoreUsage(index: 0, share: CPUShare(busy: 4_000, user: 0, system: 0, iowait: 0, steal: 0)),
                    CoreUsage(index: 1, share: CPUShare(busy: 1_000, user: 0, system: 0, iowait: 0, steal: 0)),
                ]),
            cpuCount: 2,
            memory: MemoryInfo(
                totalBytes: 8 << 30, availableBytes: 6 << 30, swapTotalBytes: 1 << 30, swapUsedBytes: 1 << 20),
            disks: [
                DiskUsage(
                    mount: MountEntry(device: "/dev/vda1", mountPoint: "/", fsType: "ext4"),
                    usage: FilesystemUsage(
                        totalBytes: 100, usedBytes: 40, availableBytes: 55, inodesTotal: 10, inodesFree: 3))
            ],
            diskErrors: [],
            load: LoadAverage(load1Milli: 1_250, load5Milli: 800, load15Milli: 300, runningTasks: 1, totalTasks: 100),
            uptime: Uptime(milliseconds: 86_400_500),
            network: [InterfaceCounters(name: "eth0", rxBytes: 1_000, txBytes: 2_000)])

        let report = HostReportBuilder.report(from: snapshot, collectedUnixMs: 1_767_225_600_000)
        #expect(report.sequence == 0)
        #expect(report.collectedUnixMs == 1_767_225_600_000)
        #expect(report.intervalMs == 5_000)
        #expect(report.cpu.cores == 2)
        #expect(report.cpu.usageBp == 2_500 && report.cpu.userBp == 1_500 && report.cpu.systemBp == 900)
        #expect(report.cpu.iowaitBp == 100 && report.cpu.stealBp == 7)
        #expect(report.cpu.perCoreBp == [4_000, 1_000])
        #expect(report.memory.totalBytes == 8 << 30)
        #expect(report.memory.availableBytes == 6 << 30)
        #expect(report.memory.usedBytes == 2 << 30)
        #expect(report.memory.swapUsedBytes == 1 << 20)
        #expect(report.disks.count == 1)
        #expect(
            report.disks[0].mountPoint == "/" && report.disks[0].device == "/dev/vda1"
                && report.disks[0].fsType == "ext4")
        #expect(report.disks[0].usedBytes == 40 && report.disks[0].freeBytes == 55 && report.disks[0].inodesFree == 3)
        #expect(report.load.load1Milli == 1_250 && report.load.load15Milli == 300)
        #expect(report.uptimeSeconds == 86_400)
        #expect(report.net.map(\.name) == ["eth0"])
        #expect(report.net[0].rxBytes == 1_000 && report.net[0].txBytes == 2_000)
    }

    @Test func firstSnapshotHasCoresButNoUsage() {
        let snapshot = HostSnapshot(
            collectedAt: .now, interval: nil, cpu: nil, cpuCount: 4,
            memory: MemoryInfo(totalBytes: 1, availableBytes: 1, swapTotalBytes: 0, swapUsedBytes: 0),
            disks: [], diskErrors: [],
            load: LoadAverage(load1Milli: 0, load5Milli: 0, load15Milli: 0, runningTasks: 0, totalTasks: 0),
            uptime: Uptime(milliseconds: 0), network: [])
        let report = HostReportBuilder.report(from: snapshot, collectedUnixMs: 0)
        #expect(report.cpu.cores == 4)
        #expect(report.cpu.usageBp == 0 && report.cpu.perCoreBp.isEmpty)
        #expect(report.intervalMs == 0)
    }

    @Test func smallReportStaysNearTwoHundredBytes() throws {
        var report = Drover_V1_HostReport()
        report.sequence = 1_000
        report.collectedUnixMs = 1_767_225_600_000
        report.intervalMs = 5_000
        report.cpu.cores = 8
        report.cpu.usageBp = 4_000
        report.cpu.perCoreBp = Array(repeating: 4_000, count: 8)
        report.memory.totalBytes = 16 << 30
        report.memory.availableBytes = 10 << 30
        var disk = Drover_V1_DiskStats()
        disk.mountPoint = "/"
        disk.device = "/dev/nvme0n1p2"
        disk.fsType = "ext4"
        disk.totalBytes = 500 << 30
        disk.usedBytes = 200 << 30
        report.disks = [disk]
        let bytes = try MessageCodec.encode(.hostReport(report)).readableBytes
        #expect(bytes < 512)  // below the compression threshold
    }
}

@Suite struct AgentConfigurationTests {
    @Test func parsesEndpoints() {
        #expect(AgentConfiguration.parseEndpoint("10.0.0.1:7400")! == ("10.0.0.1", 7400))
        #expect(AgentConfiguration.parseEndpoint("controller.example")! == ("controller.example", 7400))
        #expect(AgentConfiguration.parseEndpoint("[::1]:9000")! == ("::1", 9000))
        #expect(AgentConfiguration.parseEndpoint("host:0") == nil)
        #expect(AgentConfiguration.parseEndpoint("host:http") == nil)
        #expect(AgentConfiguration.parseEndpoint(":7400") == nil)
    }

    @Test func parsesIntervals() {
        #expect(AgentConfiguration.parseInterval("5s") == .seconds(5))
        #expect(AgentConfiguration.parseInterval("500ms") == .milliseconds(500))
        #expect(AgentConfiguration.parseInterval("1m") == .seconds(60))
        #expect(AgentConfiguration.parseInterval("0.5") == .milliseconds(500))
        #expect(AgentConfiguration.parseInterval("fast") == nil)
        #expect(AgentConfiguration.parseInterval("-1s") == nil)
    }

    /// A proxy's per-version counters in ServiceStatus.traffic: cumulative figures, non-zero
    /// buckets ascending, versions without requests left out; the buckets decode back exactly.
    @Test func trafficCarriesEachVersionsCountersAndDecodableBuckets() throws {
        var canary = VersionMetrics()
        canary.requests = 3
        canary.errors = 1
        for value: UInt64 in [5, 1_000, 1_024] { canary.latency.record(microseconds: value) }
        var stable = VersionMetrics()
        stable.requests = 2
        for value: UInt64 in [40, 40] { stable.latency.record(microseconds: value) }
        let traffic = HostReportBuilder.traffic(["v2": canary, "v1": stable, "v0": VersionMetrics()])
        #expect(traffic.map(\.version) == ["v1", "v2"])
        let v2 = traffic[1]
        #expect(v2.requests == 3 && v2.errors == 1 && v2.latencyCount == 3 && v2.latencySumUs == 2_029)
        #expect(v2.latencyBucketIndex == [5, 190, 192] && v2.latencyBucketCount == [1, 1, 1])
        #expect(traffic[0].latencyBucketIndex == [40] && traffic[0].latencyBucketCount == [2])
        let decoded = try #require(
            LatencyHistogram(
                buckets: zip(v2.latencyBucketIndex, v2.latencyBucketCount).map { (index: Int($0), count: $1) },
                sumMicroseconds: v2.latencySumUs))
        #expect(decoded.count == 3 && decoded.p50 == canary.latency.p50)
        // Survives the wire.
        var status = Drover_V1_ServiceStatus()
        status.traffic = traffic
        #expect(try Drover_V1_ServiceStatus(serializedBytes: status.serializedBytes() as [UInt8]) == status)
    }
}
