/// The I/O seam of host metrics: reads kernel files and asks filesystems how full they are.
///
/// `LinuxHostMetricsSource` talks to the kernel; tests feed fixtures through a fake.
public protocol HostMetricsSource: Sendable {
    /// The raw contents of a kernel file.
    func read(_ file: ProcFile) throws(HostMetricsError) -> [UInt8]

    /// `statvfs` of the filesystem mounted at `path`.
    func filesystemUsage(at path: String) throws(HostMetricsError) -> FilesystemUsage
}
