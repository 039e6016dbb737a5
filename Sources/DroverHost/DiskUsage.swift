/// One reported filesystem: where it is mounted and how full it is.
public struct DiskUsage: Sendable, Equatable {
    /// Where it is mounted.
    public var mountPoint: String
    /// The mount source, e.g. `/dev/sda1` or `server:/export`.
    public var device: String
    /// The filesystem type, e.g. `ext4`.
    public var fsType: String
    /// Size in bytes.
    public var totalBytes: UInt64
    /// Bytes in use.
    public var usedBytes: UInt64
    /// Bytes an unprivileged user can still write (`f_bavail`).
    public var freeBytes: UInt64
    /// Inodes the filesystem has.
    public var inodesTotal: UInt64
    /// Inodes still free.
    public var inodesFree: UInt64

    /// Creates a disk from its mount entry and `statvfs` figures.
    public init(mount: MountEntry, usage: FilesystemUsage) {
        mountPoint = mount.mountPoint
        device = mount.device
        fsType = mount.fsType
        totalBytes = usage.totalBytes
        usedBytes = usage.usedBytes
        freeBytes = usage.availableBytes
        inodesTotal = usage.inodesTotal
        inodesFree = usage.inodesFree
    }
}
