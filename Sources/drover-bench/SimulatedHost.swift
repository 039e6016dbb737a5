import DroverTestSupport
import DroverWire

/// The figures of one made-up server, drifting a little on every report, so the controller
/// decodes and stores what a real fleet would send: an 8-core host with three file systems and
/// two network interfaces (about the size of a real report, see the `fleet` output).
///
/// Values move by a bounded random walk around a per-host level (most hosts busy 5–60 %), so
/// threshold conditions are rare, as in a healthy fleet, and histories are not constant.
struct SimulatedHost {
    private var generator: SplitMix64
    private var cpuBasisPoints: Int
    private var memoryUsedBytes: UInt64
    private var rxBytes: UInt64 = 0
    private var txBytes: UInt64 = 0
    private let uptimeStart: UInt64
    private static let memoryTotal: UInt64 = 32 << 30
    private static let cores = 8

    /// A host whose figures follow from `seed` (reproducible runs).
    init(seed: UInt64) {
        generator = SplitMix64(seed: seed)
        cpuBasisPoints = Int(generator.next() % 5_500) + 500
        memoryUsedBytes = (Self.memoryTotal / 100) * (30 + generator.next() % 40)
        uptimeStart = 86_400 + generator.next() % 8_000_000
    }

    /// The next report, as `drover-agent` would build it at `collectedUnixMs`.
    mutating func nextReport(collectedUnixMs: Int64, intervalMs: UInt32) -> Drover_V1_HostReport {
        cpuBasisPoints = min(9_000, max(100, cpuBasisPoints + Int(generator.next() % 801) - 400))
        let step = Int64(generator.next() % (256 << 20)) - (128 << 20)
        memoryUsedBytes = UInt64(min(Int64(Self.memoryTotal * 85 / 100), max(Int64(1 << 30), Int64(memoryUsedBytes) + step)))
        rxBytes &+= generator.next() % 50_000_000
        txBytes &+= generator.next() % 20_000_000

        var report = Drover_V1_HostReport()
        report.collectedUnixMs = collectedUnixMs
        report.intervalMs = intervalMs
        var cpu = Drover_V1_CpuStats()
        cpu.cores = UInt32(Self.cores)
        cpu.usageBp = UInt32(cpuBasisPoints)
        cpu.userBp = UInt32(cpuBasisPoints * 7 / 10)
        cpu.systemBp = UInt32(cpuBasisPoints * 2 / 10)
        cpu.iowaitBp = UInt32(cpuBasisPoints / 20)
        cpu.stealBp = 0
        cpu.perCoreBp = (0..<Self.cores).map { _ in
            UInt32(min(10_000, max(0, cpuBasisPoints + Int(generator.next() % 2_001) - 1_000)))
        }
        report.cpu = cpu

        var memory = Drover_V1_MemoryStats()
        memory.totalBytes = Self.memoryTotal
        memory.usedBytes = memoryUsedBytes
        memory.availableBytes = Self.memoryTotal - memoryUsedBytes
        memory.swapTotalBytes = 2 << 30
        memory.swapUsedBytes = 0
        report.memory = memory

        report.disks = [
            Self.disk("/", device: "/dev/nvme0n1p2", fsType: "ext4", total: 200 << 30, usedPercent: 41),
            Self.disk("/boot", device: "/dev/nvme0n1p1", fsType: "vfat", total: 512 << 20, usedPercent: 12),
            Self.disk("/var/lib/containers", device: "/dev/nvme1n1", fsType: "xfs", total: 1_000 << 30, usedPercent: 57),
        ]
        var load = Drover_V1_LoadAverage()
        load.load1Milli = UInt32(cpuBasisPoints * Self.cores / 10)
        load.load5Milli = load.load1Milli
        load.load15Milli = load.load1Milli
        report.load = load
        report.uptimeSeconds = uptimeStart + UInt64(collectedUnixMs / 1000 % 10_000_000)
        var eth = Drover_V1_NetInterface()
        eth.name = "eth0"
        eth.rxBytes = rxBytes
        eth.txBytes = txBytes
        var docker = Drover_V1_NetInterface()
        docker.name = "podman0"
        docker.rxBytes = rxBytes / 3
        docker.txBytes = txBytes / 2
        report.net = [eth, docker]
        return report
    }

    private static func disk(_ mount: String, device: String, fsType: String, total: UInt64, usedPercent: UInt64)
        -> Drover_V1_DiskStats
    {
        var disk = Drover_V1_DiskStats()
        disk.mountPoint = mount
        disk.device = device
        disk.fsType = fsType
        disk.totalBytes = total
        disk.usedBytes = total / 100 * usedPercent
        disk.freeBytes = total - disk.usedBytes
        disk.inodesTotal = total >> 14
        disk.inodesFree = disk.inodesTotal / 100 * (100 - usedPercent)
        return disk
    }
}
