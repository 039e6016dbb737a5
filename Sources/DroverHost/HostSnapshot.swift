/// Everything one collection learned about the host: the value the agent reports.
public struct HostSnapshot: Sendable, Equatable {
    /// The monotonic instant the caller passed to `collect(now:)`.
    public var collectedAt: ContinuousClock.Instant
    /// Time since the previous collection, for turning counters into rates; nil the first time.
    public var interval: Duration?
    /// CPU usage since the previous collection; nil the first time, since usage needs two
    /// samples.
    public var cpu: CPUUsage?
    /// Online CPUs (`cpuN` lines in `/proc/stat`), known from the first collection on.
    public var cpuCount: Int
    /// Memory and swap.
    public var memory: MemoryInfo
    /// Real filesystems, in mount order; mounts whose `statvfs` failed are in `diskErrors`.
    public var disks: [DiskUsage]
    /// Mounts skipped this time because `statvfs` failed.
    public var diskErrors: [DiskError]
    /// Load averages and task counts.
    public var load: LoadAverage
    /// Time since boot.
    public var uptime: Uptime
    /// Cumulative interface counters, minus the excluded interfaces.
    public var network: [InterfaceCounters]

    /// Creates a snapshot.
    public init(
        collectedAt: ContinuousClock.Instant, interval: Duration?, cpu: CPUUsage?, cpuCount: Int,
        memory: MemoryInfo, disks: [DiskUsage], diskErrors: [DiskError], load: LoadAverage, uptime: Uptime,
        network: [InterfaceCounters]
    ) {
        self.collectedAt = collectedAt
        self.interval = interval
        self.cpu = cpu
        self.cpuCount = cpuCount
        self.memory = memory
        self.disks = disks
        self.diskErrors = diskErrors
        self.load = load
        self.uptime = uptime
        self.network = network
    }
}
