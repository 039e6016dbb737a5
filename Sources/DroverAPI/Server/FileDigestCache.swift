import DroverTLS
import NIOPosix
import Synchronization

/// SHA-256 digests of served files, computed once per file version (size, mtime, inode) on
/// NIO's blocking-I/O thread pool.
final class FileDigestCache: Sendable {
    private let entries = Mutex<[String: (version: FileVersion, hex: String)]>([:])

    /// The lowercase hex SHA-256 of `path` at `version`, or nil when it cannot be read.
    func sha256(path: String, version: FileVersion) async -> String? {
        if let cached = entries.withLock({ $0[path] }), cached.version == version { return cached.hex }
        guard
            let hex = try? await NIOThreadPool.singleton.runIfActive({ () throws -> String in
                try FileDigest.sha256Hex(path: path)
            })
        else { return nil }
        // Cached only if the file did not change while it was read.
        guard FileVersion.of(path) == version else { return nil }
        entries.withLock { $0[path] = (version, hex) }
        return hex
    }
}
