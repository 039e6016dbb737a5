/// A mount whose `statvfs` failed in this collection (permission denied, stale NFS handle, …).
public struct DiskError: Sendable, Equatable {
    /// Where it is mounted.
    public var mountPoint: String
    /// The mount source.
    public var device: String
    /// The filesystem type.
    public var fsType: String
    /// Why `statvfs` failed.
    public var error: HostMetricsError
    /// Failures of this mount point in a row, this one included; resets once it succeeds,
    /// so a controller can tell a flapping mount from one that is gone for good.
    public var consecutiveFailures: UInt64

    /// Creates a disk error.
    public init(mount: MountEntry, error: HostMetricsError, consecutiveFailures: UInt64) {
        mountPoint = mount.mountPoint
        device = mount.device
        fsType = mount.fsType
        self.error = error
        self.consecutiveFailures = consecutiveFailures
    }
}
