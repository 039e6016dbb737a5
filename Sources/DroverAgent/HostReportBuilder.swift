import DroverHost
import DroverProxy
import DroverWire

/// Maps a ``HostSnapshot`` to the wire's `HostReport` (units as the proto comments say:
/// basis points, bytes, thousandths).
public enum HostReportBuilder {
    /// The report for `snapshot`, collected at `collectedUnixMs` (wall clock).
    ///
    /// `sequence` is left 0: the session numbers reports as it sends them. Before the second
    /// collection there is no CPU usage yet, so the CPU usage fields are 0 (cores are known).
    public static func report(from snapshot: HostSnapshot, collectedUnixMs: Int64) -> Drover_V1_HostReport {
        var report = Drover_V1_HostReport()
        report.collectedUnixMs = collectedUnixMs
        if let interval = snapshot.interval {
            let (seconds, attoseconds) = interval.components
            report.intervalMs = UInt32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        }

        var cpu = Drover_V1_CpuStats()
        cpu.cores = UInt32(clamping: snapshot.cpuCount)
        if let usage = snapshot.cpu {
            cpu.usageBp = UInt32(usage.total.busy)
            cpu.userBp = UInt32(usage.total.user)
            cpu.systemBp = UInt32(usage.total.system)
            cpu.iowaitBp = UInt32(usage.total.iowait)
            cpu.stealBp = UInt32(usage.total.steal)
            cpu.perCoreBp = usage.cores.map { UInt32($0.share.busy) }
        }
        report.cpu = cpu

        var memory = Drover_V1_MemoryStats()
        memory.totalBytes = snapshot.memory.totalBytes
        memory.availableBytes = snapshot.memory.availableBytes
        memory.usedBytes = snapshot.memory.usedBytes
        memory.swapTotalBytes = snapshot.memory.swapTotalBytes
        memory.swapUsedBytes = snapshot.memory.swapUsedBytes
        report.memory = memory

        report.disks = snapshot.disks.map { disk in
            var stats = Drover_V1_DiskStats()
            stats.mountPoint = disk.mountPoint
            stats.device = disk.device
            stats.fsType = disk.fsType
            stats.totalBytes = disk.totalBytes
            stats.usedBytes = disk.usedBytes
            stats.freeBytes = disk.freeBytes
            stats.inodesTotal = disk.inodesTotal
            stats.inodesFree = disk.inodesFree
            return stats
        }

        var load = Drover_V1_LoadAverage()
        load.load1Milli = snapshot.load.load1Milli
        load.load5Milli = snapshot.load.load5Milli
        load.load15Milli = snapshot.load.load15Milli
        report.load = load
        report.uptimeSeconds = snapshot.uptime.seconds

        report.net = snapshot.network.map { counters in
            var interface = Drover_V1_NetInterface()
            interface.name = counters.name
            interface.rxBytes = counters.rxBytes
            interface.txBytes = counters.txBytes
            return interface
        }
        return report
    }

    /// A service's proxy counters in wire form (Protocol/README.md §7.3.1): one entry per
    /// version with requests, by version name; versions without requests are left out, and only
    /// non-zero latency buckets are sent, index ascending.
    public static func traffic(_ statistics: [String: VersionMetrics]) -> [Drover_V1_VersionTraffic] {
        statistics.keys.sorted().compactMap { version in
            guard let metrics = statistics[version], metrics.requests > 0 else { return nil }
            var traffic = Drover_V1_VersionTraffic()
            traffic.version = version
            traffic.requests = metrics.requests
            traffic.errors = metrics.errors
            traffic.latencyCount = metrics.latency.count
            traffic.latencySumUs = metrics.latency.sumMicroseconds
            let buckets = metrics.latency.nonZeroBuckets
            traffic.latencyBucketIndex = buckets.map { UInt32($0.index) }
            traffic.latencyBucketCount = buckets.map(\.count)
            return traffic
        }
    }
}
