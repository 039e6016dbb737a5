/// Decides which mounts are real filesystems worth reporting as disks.
///
/// The default follows node_exporter's defaults (`--collector.filesystem.fs-types-exclude` and
/// `--collector.filesystem.mount-points-exclude`) and also drops `tmpfs` and `ramfs`: they are
/// memory, already reported under memory, and a busy host has dozens of them.
/// Network filesystems (`nfs`, `nfs4`, `cifs`, …) are kept, as node_exporter keeps them.
public struct MountFilter: Sendable, Equatable {
    /// Filesystem types never reported.
    public var excludedFileSystemTypes: Set<String>
    /// Mount points excluded together with everything below them (`/proc` and `/proc/...`).
    public var excludedTrees: [String]
    /// Mount points whose descendants are excluded but not the point itself
    /// (`/var/lib/docker/overlay2/...` but not `/var/lib/docker`, which is often a real disk).
    public var excludedBelow: [String]

    /// Creates a filter.
    public init(excludedFileSystemTypes: Set<String>, excludedTrees: [String], excludedBelow: [String]) {
        self.excludedFileSystemTypes = excludedFileSystemTypes
        self.excludedTrees = excludedTrees
        self.excludedBelow = excludedBelow
    }

    /// node_exporter's exclusions plus `tmpfs` and `ramfs`.
    public static let `default` = MountFilter(
        excludedFileSystemTypes: [
            "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
            "devtmpfs", "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc",
            "procfs", "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "erofs",
            "sysfs", "tracefs", "tmpfs", "ramfs",
        ],
        excludedTrees: ["/dev", "/proc", "/sys"],
        excludedBelow: ["/run/credentials", "/var/lib/docker", "/var/lib/containers/storage"]
    )

    /// Whether `entry` is reported.
    public func includes(_ entry: MountEntry) -> Bool {
        if excludedFileSystemTypes.contains(entry.fsType) { return false }
        let path = entry.mountPoint
        for root in excludedTrees where path == root || Self.isBelow(path, root) {
            return false
        }
        for root in excludedBelow where Self.isBelow(path, root) {
            return false
        }
        return true
    }

    /// Whether `path` is strictly below `root` (`/devices` is not below `/dev`).
    private static func isBelow(_ path: String, _ root: String) -> Bool {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.utf8.count > prefix.utf8.count && path.hasPrefix(prefix)
    }
}
