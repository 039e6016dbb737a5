/// A host's metric history: every report of the last five minutes, then one averaged sample
/// per minute back to more than an hour, in about 3.4 KB per host.
///
/// Why two tiers: a controller with 10,000 hosts keeping an hour of 5 s reports at full
/// resolution (720 samples of 64 bytes each) would hold 460 MB of history alone. Recent
/// reports matter at full resolution (a rollout's health, the last spike, the 3 reports a
/// condition needs); older ones only as a trend. Five minutes rather than a quarter hour:
/// measured with `drover-bench inventory-memory`, the longer tier made full histories cost
/// 7.9 KB per host, 75 MiB at 10,000 hosts, which took the controller past 512 MiB after an
/// hour. Samples are stored packed (24 bytes, memory in KiB, the fullest file system's
/// mount point as an index into a small per-host table).
///
/// Samples leave the recent tier oldest first and are folded into the minute they belong to:
/// CPU, memory and load averaged; disk the fullest seen, so a full disk never averages away.
public struct SampleHistory: Sendable {
    /// Full-resolution samples kept.
    public let recentCapacity: Int
    /// Minute aggregates kept.
    public let minuteCapacity: Int
    private var recent: RingBuffer<PackedSample>
    private var minutes: RingBuffer<PackedSample>
    private var minute: MinuteAccumulator?
    private var mountPoints: [String] = []

    /// A history covering `milliseconds` (one hour by default) of reports every `interval` ms.
    ///
    /// The recent tier holds five minutes of reports (with a quarter more for agents that
    /// report early); the minute tier the whole span plus five minutes.
    public init(milliseconds: Int64 = 3_600_000, interval: Int64 = 5_000) {
        let recentSpan = min(milliseconds, 300_000)
        let perInterval = Int(recentSpan / max(1, interval))
        recentCapacity = max(1, perInterval + perInterval / 4)
        minuteCapacity = Int(milliseconds / 60_000) + 5
        recent = RingBuffer(capacity: recentCapacity)
        minutes = RingBuffer(capacity: minuteCapacity)
    }

    /// How many samples ``elements`` returns.
    public var count: Int { minutes.count + (minute == nil ? 0 : 1) + recent.count }

    /// True when no report was recorded.
    public var isEmpty: Bool { recent.isEmpty }

    /// The newest sample.
    public var last: HostSample? { recent.last.map(unpack) }

    /// Every sample, oldest first: minute averages, then each recent report.
    public var elements: [HostSample] {
        var all: [HostSample] = []
        all.reserveCapacity(count)
        all.append(contentsOf: minutes.elements.map(unpack))
        if let minute { all.append(unpack(minute.sample)) }
        all.append(contentsOf: recent.elements.map(unpack))
        return all
    }

    /// Records `sample`; the oldest recent sample moves into its minute when the tier is full.
    public mutating func append(_ sample: HostSample) {
        let packed = pack(sample)
        if let evicted = recent.append(packed) {
            if var current = minute, current.minute == evicted.at / 60_000 {
                current.add(evicted)
                minute = current
            } else {
                if let finished = minute { _ = minutes.append(finished.sample) }
                minute = MinuteAccumulator(evicted)
            }
        }
    }

    private mutating func pack(_ sample: HostSample) -> PackedSample {
        var index = UInt8.max
        if !sample.diskMaxMountPoint.isEmpty {
            if let known = mountPoints.firstIndex(of: sample.diskMaxMountPoint) {
                index = UInt8(known)
            } else if mountPoints.count < Int(UInt8.max) {
                mountPoints.append(sample.diskMaxMountPoint)
                index = UInt8(mountPoints.count - 1)
            }
        }
        return PackedSample(
            at: sample.at,
            memoryUsedKiB: UInt32(clamping: sample.memoryUsedBytes >> 10),
            memoryTotalKiB: UInt32(clamping: sample.memoryTotalBytes >> 10),
            load1Milli: UInt32(clamping: sample.load1Milli),
            cpuBasisPoints: UInt16(clamping: sample.cpuBasisPoints),
            diskMaxBasisPoints: UInt16(clamping: sample.diskMaxBasisPoints),
            mountIndex: index)
    }

    private func unpack(_ packed: PackedSample) -> HostSample {
        HostSample(
            at: packed.at,
            cpuBasisPoints: Int(packed.cpuBasisPoints),
            memoryUsedBytes: UInt64(packed.memoryUsedKiB) << 10,
            memoryTotalBytes: UInt64(packed.memoryTotalKiB) << 10,
            diskMaxBasisPoints: Int(packed.diskMaxBasisPoints),
            diskMaxMountPoint: Int(packed.mountIndex) < mountPoints.count ? mountPoints[Int(packed.mountIndex)] : "",
            load1Milli: Int(packed.load1Milli))
    }
}

/// One sample in 24 bytes (``HostSample`` takes 64 and a string).
///
/// The time is kept as 48 bits (Unix milliseconds reach 2^48 in the year 10889) in two fields
/// of 4-byte alignment: an `Int64` would align the whole struct to 8 and pad it to 32 bytes,
/// which over an hour of history for 10,000 hosts is 23 MB.
struct PackedSample: Sendable {
    // Widest fields first: Swift lays stored properties out in declaration order.
    private var atLow: UInt32
    var memoryUsedKiB: UInt32
    var memoryTotalKiB: UInt32
    var load1Milli: UInt32
    private var atHigh: UInt16
    var cpuBasisPoints: UInt16
    var diskMaxBasisPoints: UInt16
    /// Index into the history's mount point table; `UInt8.max` for none.
    var mountIndex: UInt8

    init(
        at: Int64, memoryUsedKiB: UInt32, memoryTotalKiB: UInt32, load1Milli: UInt32, cpuBasisPoints: UInt16,
        diskMaxBasisPoints: UInt16, mountIndex: UInt8
    ) {
        let clamped = UInt64(clamping: max(0, min(at, Self.maxAt)))
        atLow = UInt32(truncatingIfNeeded: clamped)
        atHigh = UInt16(truncatingIfNeeded: clamped >> 32)
        self.memoryUsedKiB = memoryUsedKiB
        self.memoryTotalKiB = memoryTotalKiB
        self.load1Milli = load1Milli
        self.cpuBasisPoints = cpuBasisPoints
        self.diskMaxBasisPoints = diskMaxBasisPoints
        self.mountIndex = mountIndex
    }

    /// The latest time 48 bits hold.
    static let maxAt: Int64 = (1 << 48) - 1

    /// When the report was received, Unix milliseconds.
    var at: Int64 { Int64(atHigh) << 32 | Int64(atLow) }
}

/// The samples of one minute being folded into an average.
struct MinuteAccumulator: Sendable {
    let minute: Int64
    private var first: PackedSample
    private var count: UInt64 = 1
    private var cpu: UInt64
    private var memoryUsed: UInt64
    private var load: UInt64
    private var fullest: PackedSample

    init(_ sample: PackedSample) {
        minute = sample.at / 60_000
        first = sample
        cpu = UInt64(sample.cpuBasisPoints)
        memoryUsed = UInt64(sample.memoryUsedKiB)
        load = UInt64(sample.load1Milli)
        fullest = sample
    }

    mutating func add(_ sample: PackedSample) {
        count += 1
        cpu += UInt64(sample.cpuBasisPoints)
        memoryUsed += UInt64(sample.memoryUsedKiB)
        load += UInt64(sample.load1Milli)
        if sample.diskMaxBasisPoints >= fullest.diskMaxBasisPoints { fullest = sample }
    }

    /// The minute as one sample, stamped with its first report's time.
    var sample: PackedSample {
        PackedSample(
            at: first.at,
            memoryUsedKiB: UInt32(memoryUsed / count),
            memoryTotalKiB: fullest.memoryTotalKiB,
            load1Milli: UInt32(load / count),
            cpuBasisPoints: UInt16(cpu / count),
            diskMaxBasisPoints: fullest.diskMaxBasisPoints,
            mountIndex: fullest.mountIndex)
    }
}
