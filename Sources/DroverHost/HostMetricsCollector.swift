/// Reads the host's metrics through a `HostMetricsSource` and turns them into snapshots.
///
/// It keeps the previous CPU sample, since CPU usage is a difference of counters, and how
/// often each mount's `statvfs` has failed in a row. It is a value: the owner (the agent's
/// reporter) calls `collect(now:)` every report interval from one task.
public struct HostMetricsCollector<Source: HostMetricsSource>: Sendable {
    /// Where the metrics come from.
    public let source: Source
    /// What to report.
    public var configuration: HostMetricsConfiguration

    /// The previous successful collection's CPU counters and time.
    private var previousCPU: CPUSample?
    private var previousTime: ContinuousClock.Instant?
    /// Consecutive `statvfs` failures by mount point; only failing mounts have an entry.
    private var consecutiveFailures: [String: UInt64] = [:]

    /// Creates a collector that has not sampled yet.
    public init(source: Source, configuration: HostMetricsConfiguration = HostMetricsConfiguration()) {
        self.source = source
        self.configuration = configuration
    }

    /// Reads every metric once and returns the snapshot.
    ///
    /// The first call has no earlier CPU sample, so its `cpu` and `interval` are nil; from the
    /// second call on they cover the time since the previous successful call. A failing
    /// `statvfs` skips that mount (see `HostSnapshot.diskErrors`); a kernel file that cannot be
    /// read or parsed fails the call and leaves the collector's state as it was.
    ///
    /// - Parameter now: a monotonic reading taken by the caller, e.g. `ContinuousClock.now`.
    public mutating func collect(now: ContinuousClock.Instant) throws(HostMetricsError) -> HostSnapshot {
        let cpuSample = try CPUSample.parse(source.read(.stat))
        let memory = try MemoryInfo.parse(source.read(.meminfo))
        let mounts = try MountTable.parse(source.read(.mounts)).filtered(by: configuration.mountFilter)
        let load = try LoadAverage.parse(source.read(.loadavg))
        let uptime = try Uptime.parse(source.read(.uptime))
        let network = try NetworkDevices.parse(source.read(.netDev)).interfaces.filter {
            !configuration.excludedInterfaces.contains($0.name)
        }

        var disks: [DiskUsage] = []
        var diskErrors: [DiskError] = []
        var failures: [String: UInt64] = [:]
        for mount in mounts.entries {
            do {
                disks.append(DiskUsage(mount: mount, usage: try source.filesystemUsage(at: mount.mountPoint)))
            } catch {
                // One bad mount (stale NFS, no permission) must not cost the whole report.
                let count = (consecutiveFailures[mount.mountPoint] ?? 0) + 1
                failures[mount.mountPoint] = count
                diskErrors.append(DiskError(mount: mount, error: error, consecutiveFailures: count))
            }
        }

        let snapshot = HostSnapshot(
            collectedAt: now,
            interval: previousTime.map { now - $0 },
            cpu: previousCPU.map { CPUUsage(from: $0, to: cpuSample) },
            cpuCount: cpuSample.cores.count,
            memory: memory,
            disks: disks,
            diskErrors: diskErrors,
            load: load,
            uptime: uptime,
            network: network
        )
        // Commit only now, so a failed call changes nothing. Rebuilding the failure map also
        // forgets mounts that recovered or disappeared, keeping it bounded.
        previousCPU = cpuSample
        previousTime = now
        consecutiveFailures = failures
        return snapshot
    }
}

/// Collectors compare equal when their sources, configuration and remembered state do.
extension HostMetricsCollector: Equatable where Source: Equatable {}
