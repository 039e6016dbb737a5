#if os(Linux)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

#if canImport(Glibc)
/// The C library's `read`, named apart from `HostMetricsSource.read(_:)`.
private let systemRead = Glibc.read
#elseif canImport(Musl)
private let systemRead = Musl.read
#endif

/// Reads host metrics from the running Linux kernel: `/proc` files and `statvfs`.
public struct LinuxHostMetricsSource: HostMetricsSource, Equatable {
    /// The most bytes read from one file; larger files are an error rather than a truncated
    /// (and so wrong) mount table. 1 MiB holds several thousand mounts.
    public var maxFileSize: Int

    /// Creates a source.
    public init(maxFileSize: Int = 1 << 20) {
        self.maxFileSize = maxFileSize
    }

    public func read(_ file: ProcFile) throws(HostMetricsError) -> [UInt8] {
        try Self.readFile(atPath: file.path, maxSize: maxFileSize)
    }

    public func filesystemUsage(at path: String) throws(HostMetricsError) -> FilesystemUsage {
        var info = statvfs()
        while statvfs(path, &info) != 0 {
            let code = errno
            if code == EINTR { continue }
            throw HostMetricsError(.systemCall(errno: code), file: path, detail: "statvfs failed (errno \(code))")
        }
        // Some filesystems leave f_frsize 0; f_bsize is then the unit, as coreutils df assumes.
        let fragment = info.f_frsize != 0 ? UInt64(info.f_frsize) : UInt64(info.f_bsize)
        return FilesystemUsage(
            blocks: UInt64(info.f_blocks), blocksFree: UInt64(info.f_bfree),
            blocksAvailable: UInt64(info.f_bavail), fragmentSize: fragment,
            files: UInt64(info.f_files), filesFree: UInt64(info.f_ffree)
        )
    }

    /// Reads a whole file with `open`/`read`.
    ///
    /// `/proc` files report size 0 and are generated as they are read, so this reads until
    /// end of file instead of trusting `stat`, and stops with `.tooLarge` past `maxSize` bytes.
    public static func readFile(atPath path: String, maxSize: Int) throws(HostMetricsError) -> [UInt8] {
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            let code = errno
            throw HostMetricsError(.systemCall(errno: code), file: path, detail: "open failed (errno \(code))")
        }
        defer { close(descriptor) }

        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                systemRead(descriptor, buffer.baseAddress, buffer.count)
            }
            if count == 0 { return contents }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw HostMetricsError(.systemCall(errno: code), file: path, detail: "read failed (errno \(code))")
            }
            guard contents.count + count <= maxSize else {
                throw HostMetricsError(.tooLarge, file: path, detail: "larger than \(maxSize) bytes")
            }
            contents.append(contentsOf: chunk[0..<count])
        }
    }
}
#endif
