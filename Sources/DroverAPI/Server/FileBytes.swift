import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a small file (the install script) whole, or nil when it cannot be read.
enum FileBytes {
    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }
}

/// What identifies one version of a served file: a changed size, mtime or inode is a new version.
struct FileVersion: Sendable, Hashable {
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int64
    var inode: UInt64

    /// The version of the regular file at `path`, or nil when there is none.
    static func of(_ path: String) -> FileVersion? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileVersion(
            size: Int64(info.st_size), modifiedSeconds: Int64(info.st_mtim.tv_sec),
            modifiedNanoseconds: Int64(info.st_mtim.tv_nsec), inode: UInt64(info.st_ino))
    }
}

/// Reads an open file in chunks of at most ``chunkSize`` bytes on NIO's blocking-I/O thread
/// pool, so a served file never sits in memory whole.
final class FileChunkReader {
    /// The largest chunk read (and written) at once.
    static let chunkSize = 64 * 1_024

    private let fd: Int32
    private var offset: Int64 = 0

    /// Opens `path` for reading.
    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The next chunk of at most `limit` (and ``chunkSize``) bytes; empty at the end of the file.
    func next(limit: Int) async throws -> [UInt8] {
        let fd = self.fd
        let offset = self.offset
        let count = min(limit, Self.chunkSize)
        let chunk = try await NIOThreadPool.singleton.runIfActive { () throws -> [UInt8] in
            var bytes = [UInt8](repeating: 0, count: count)
            while true {
                let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
                if got < 0, errno == EINTR { continue }
                guard got >= 0 else { throw IOError(errnoCode: errno, reason: "pread") }
                bytes.removeLast(count - got)
                return bytes
            }
        }
        self.offset += Int64(chunk.count)
        return chunk
    }
}
