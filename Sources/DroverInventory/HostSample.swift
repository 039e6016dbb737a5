import DroverWire

/// One report reduced to the figures history and thresholds need (a few dozen bytes).
public struct HostSample: Sendable, Equatable, Codable {
    /// When the controller received the report, Unix milliseconds.
    public var at: Int64
    /// CPU busy time, basis points of all cores (0...10000).
    public var cpuBasisPoints: Int
    /// Memory in use, bytes.
    public var memoryUsedBytes: UInt64
    /// Memory installed, bytes.
    public var memoryTotalBytes: UInt64
    /// The fullest file system, basis points of its size (0...10000).
    public var diskMaxBasisPoints: Int
    /// The fullest file system's mount point, empty when the host reports none.
    public var diskMaxMountPoint: String
    /// 1-minute load average in thousandths.
    public var load1Milli: Int

    /// Creates a sample.
    public init(
        at: Int64,
        cpuBasisPoints: Int,
        memoryUsedBytes: UInt64,
        memoryTotalBytes: UInt64,
        diskMaxBasisPoints: Int,
        diskMaxMountPoint: String,
        load1Milli: Int
    ) {
        self.at = at
        self.cpuBasisPoints = cpuBasisPoints
        self.memoryUsedBytes = memoryUsedBytes
        self.memoryTotalBytes = memoryTotalBytes
        self.diskMaxBasisPoints = diskMaxBasisPoints
        self.diskMaxMountPoint = diskMaxMountPoint
        self.load1Milli = load1Milli
    }

    /// Reduces `report`, received at `now`.
    public init(report: Drover_V1_HostReport, now: Int64) {
        var fullest = (basisPoints: 0, mountPoint: "")
        for disk in report.disks where disk.totalBytes > 0 {
            let basisPoints = Self.basisPoints(disk.usedBytes, of: disk.totalBytes)
            if basisPoints > fullest.basisPoints || fullest.mountPoint.isEmpty {
                fullest = (basisPoints, disk.mountPoint)
            }
        }
        self.init(
            at: now,
            cpuBasisPoints: Int(min(report.cpu.usageBp, 10_000)),
            memoryUsedBytes: report.memory.usedBytes,
            memoryTotalBytes: report.memory.totalBytes,
            diskMaxBasisPoints: fullest.basisPoints,
            diskMaxMountPoint: fullest.mountPoint,
            load1Milli: Int(report.load.load1Milli)
        )
    }

    /// Memory in use, basis points of the total (0 when the total is unknown).
    public var memoryBasisPoints: Int {
        Self.basisPoints(memoryUsedBytes, of: memoryTotalBytes)
    }

    /// `part / whole` in basis points, clamped to 0...10000, without overflow.
    static func basisPoints(_ part: UInt64, of whole: UInt64) -> Int {
        guard whole > 0 else { return 0 }
        let clamped = min(part, whole)
        // Scale down huge values first so `* 10_000` cannot overflow.
        let shift = max(0, 64 - whole.leadingZeroBitCount - 49)
        let (p, w) = (clamped >> UInt64(shift), max(1, whole >> UInt64(shift)))
        return Int(min(10_000, p * 10_000 / w))
    }
}
