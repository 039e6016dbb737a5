/// The kernel files the collector reads, each named by its absolute path.
public enum ProcFile: String, Sendable, Equatable, CaseIterable {
    case stat = "/proc/stat"
    case meminfo = "/proc/meminfo"
    /// The mount table as this process sees it (`/proc/mounts` is a symlink to it).
    case mounts = "/proc/self/mounts"
    case loadavg = "/proc/loadavg"
    case uptime = "/proc/uptime"
    case netDev = "/proc/net/dev"

    /// The absolute path of the file.
    public var path: String { rawValue }
}
