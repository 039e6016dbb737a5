import DroverHost
import Glibc
import Synchronization

/// A scripted `HostMetricsSource`: each collection is a round (counted by reads of
/// `/proc/stat`, which the collector reads first), and each file and mount can differ by round.
final class FakeHostMetricsSource: HostMetricsSource {
    /// Contents by file, one entry per round; nil makes that round's read fail with ENOENT.
    /// The last entry repeats for later rounds.
    let files: [ProcFile: [[UInt8]?]]
    /// `statvfs` answers by mount point; a missing mount point fails with ENOENT.
    let filesystems: [String: FilesystemUsage]
    /// Rounds in which a mount point's `statvfs` fails with ESTALE.
    let failingRounds: [String: Set<Int>]

    private let statReads = Mutex(0)

    init(
        files: [ProcFile: [[UInt8]?]], filesystems: [String: FilesystemUsage],
        failingRounds: [String: Set<Int>] = [:]
    ) {
        self.files = files
        self.filesystems = filesystems
        self.failingRounds = failingRounds
    }

    private var round: Int { statReads.withLock { $0 } - 1 }

    func read(_ file: ProcFile) throws(HostMetricsError) -> [UInt8] {
        if file == .stat { statReads.withLock { $0 += 1 } }
        guard let versions = files[file], !versions.isEmpty,
            let contents = versions[min(round, versions.count - 1)]
        else {
            throw HostMetricsError(.systemCall(errno: ENOENT), file: file.path, detail: "fake: no such file")
        }
        return contents
    }

    func filesystemUsage(at path: String) throws(HostMetricsError) -> FilesystemUsage {
        if failingRounds[path]?.contains(round) == true {
            throw HostMetricsError(.systemCall(errno: ESTALE), file: path, detail: "fake: stale file handle")
        }
        guard let usage = filesystems[path] else {
            throw HostMetricsError(.systemCall(errno: ENOENT), file: path, detail: "fake: not mounted")
        }
        return usage
    }
}
