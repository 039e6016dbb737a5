#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing small files with owner-only permissions, without Foundation.
///
/// Keys, certificates and the agent's state live in files created with mode 0600 inside
/// directories with mode 0700.
public enum PrivateFile {
    /// What went wrong, with the path and `strerror` text.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The file or directory.
        public let path: String
        /// What was attempted and why it failed.
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Creates `path` (and missing parents) with mode 0700; an existing directory is kept.
    public static func makeDirectory(_ path: String) throws(Failure) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw Failure(path: prefix, reason: "cannot create directory: \(errorText())")
            }
            prefix += "/"
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw Failure(path: path, reason: "not a directory")
        }
        // Tighten a directory that existed with wider permissions: it holds private keys.
        if info.st_mode & 0o077 != 0, chmod(path, 0o700) != 0 {
            throw Failure(path: path, reason: "cannot restrict permissions to 0700: \(errorText())")
        }
    }

    /// Writes `bytes` atomically (temporary file + rename) with mode 0600.
    public static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(path: temporary, reason: "cannot create: \(errorText())") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = errorText()
                close(fd)
                throw Failure(path: temporary, reason: "write failed: \(reason)")
            }
            offset += written
        }
        fchmod(fd, 0o600)
        guard fsync(fd) == 0 else {
            let reason = errorText()
            close(fd)
            throw Failure(path: temporary, reason: "fsync failed: \(reason)")
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw Failure(path: path, reason: "rename failed: \(errorText())") }
    }

    /// When the file at `path` was last modified, Unix seconds; nil if it does not exist.
    public static func modificationTime(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec)
    }

    /// Renames `source` to `destination`, replacing it atomically.
    public static func move(_ source: String, to destination: String) throws(Failure) {
        guard rename(source, destination) == 0 else {
            throw Failure(path: source, reason: "cannot rename to \(destination): \(errorText())")
        }
    }

    /// Removes the file at `path`; a missing file is not an error.
    public static func remove(_ path: String) throws(Failure) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw Failure(path: path, reason: "cannot remove: \(errorText())")
        }
    }

    /// Writes `text` as UTF-8 with mode 0600.
    public static func write(_ text: String, to path: String) throws(Failure) {
        try write(Array(text.utf8), to: path)
    }

    /// Reads a whole file (at most `maxSize` bytes).
    public static func read(_ path: String, maxSize: Int = 1 << 20) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, reason: "cannot open: \(errorText())") }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, reason: "read failed: \(errorText())")
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
            guard result.count <= maxSize else { throw Failure(path: path, reason: "larger than \(maxSize) bytes") }
        }
        return result
    }

    /// Reads a whole file as UTF-8 text.
    public static func readText(_ path: String) throws(Failure) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// The permission bits of `path` (e.g. 0o600), or nil if it does not exist.
    public static func mode(_ path: String) -> UInt32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt32(info.st_mode) & 0o777
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
