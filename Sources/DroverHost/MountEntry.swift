/// One line of the mount table: what is mounted where, with which filesystem type.
public struct MountEntry: Sendable, Equatable {
    /// The mount source, e.g. `/dev/sda1`, `server:/export` or `overlay`; octal escapes decoded.
    public var device: String
    /// Where it is mounted; octal escapes decoded (`\040` is a space).
    public var mountPoint: String
    /// The filesystem type, e.g. `ext4`, `nfs4`, `tmpfs`.
    public var fsType: String
    /// The mount options as the kernel wrote them, e.g. `rw,relatime`.
    public var options: String

    /// Creates an entry.
    public init(device: String, mountPoint: String, fsType: String, options: String = "") {
        self.device = device
        self.mountPoint = mountPoint
        self.fsType = fsType
        self.options = options
    }
}
