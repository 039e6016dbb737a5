/// What the collector reports: which mounts count as disks and which interfaces to leave out.
public struct HostMetricsConfiguration: Sendable, Equatable {
    /// Which mounts are reported as disks.
    public var mountFilter: MountFilter
    /// Interfaces never reported; loopback by default, since its traffic never leaves the host.
    public var excludedInterfaces: Set<String>

    /// Creates a configuration.
    public init(mountFilter: MountFilter = .default, excludedInterfaces: Set<String> = ["lo"]) {
        self.mountFilter = mountFilter
        self.excludedInterfaces = excludedInterfaces
    }
}
