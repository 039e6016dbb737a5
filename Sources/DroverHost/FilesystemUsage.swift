/// Size and use of one mounted filesystem, as `statvfs` reports it, in bytes and inodes.
public struct FilesystemUsage: Sendable, Equatable {
    /// Size of the filesystem.
    public var totalBytes: UInt64
    /// Bytes in use (`total - free`, counting root-reserved blocks as free, as `df` does).
    public var usedBytes: UInt64
    /// Bytes an unprivileged user can still write (`f_bavail`): what `df` shows as Avail.
    public var availableBytes: UInt64
    /// Inodes the filesystem has (0 on filesystems without a fixed inode table, e.g. btrfs).
    public var inodesTotal: UInt64
    /// Inodes still free.
    public var inodesFree: UInt64

    /// Creates usage from its parts.
    public init(totalBytes: UInt64, usedBytes: UInt64, availableBytes: UInt64, inodesTotal: UInt64, inodesFree: UInt64)
    {
        self.totalBytes = totalBytes
        self.usedBytes = usedBytes
        self.availableBytes = availableBytes
        self.inodesTotal = inodesTotal
        self.inodesFree = inodesFree
    }

    /// Converts `statvfs` block counts (in units of `fragmentSize`, `f_frsize`) to bytes;
    /// products saturate instead of trapping on absurd values.
    public init(
        blocks: UInt64, blocksFree: UInt64, blocksAvailable: UInt64, fragmentSize: UInt64,
        files: UInt64, filesFree: UInt64
    ) {
        func bytes(_ count: UInt64) -> UInt64 {
            let (product, overflow) = count.multipliedReportingOverflow(by: fragmentSize)
            return overflow ? .max : product
        }
        let used = blocks - min(blocksFree, blocks)
        self.init(
            totalBytes: bytes(blocks), usedBytes: bytes(used), availableBytes: bytes(blocksAvailable),
            inodesTotal: files, inodesFree: filesFree
        )
    }
}
