#if canImport(Glibc)
import Glibc
#endif

/// Reads a process's CPU time and resident memory from `/proc/PID/stat` and `/proc/PID/status`,
/// so benchmarks can put Drover's processes next to a baseline process measured in the same run.
struct ProcessSampler {
    /// One reading of a process.
    struct Sample: Equatable {
        /// user + system CPU time, in clock ticks.
        var cpuTicks: UInt64
        /// Resident set size in bytes (`VmRSS`).
        var residentBytes: UInt64
        /// The anonymous part of it (`RssAnon`): heap and stacks, memory only this process holds,
        /// as opposed to file-backed code pages shared with the page cache.
        var anonymousBytes: UInt64
        /// Bytes the process has written through write/send system calls (`wchar` in
        /// `/proc/PID/io`): its network output plus any log or file writes.
        var writtenBytes: UInt64
    }

    let pid: Int32

    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Reads the process now; nil if it has gone.
    func sample() -> Sample? {
        guard let stat = Self.read("/proc/\(pid)/stat"), let status = Self.read("/proc/\(pid)/status"),
            let io = Self.read("/proc/\(pid)/io"),
            let ticks = Self.parseCPUTicks(stat), let rss = Self.parseResidentBytes(status),
            let anonymous = Self.parseField("RssAnon:", in: status), let written = Self.parseField("wchar:", in: io)
        else { return nil }
        return Sample(cpuTicks: ticks, residentBytes: rss * 1024, anonymousBytes: anonymous * 1024, writtenBytes: written)
    }

    /// utime + stime (fields 14 and 15) of a `/proc/PID/stat` line. The command name (field 2)
    /// may contain spaces and parentheses, so fields are counted after its last `)`.
    static func parseCPUTicks(_ stat: String) -> UInt64? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }

    /// `VmRSS` of a `/proc/PID/status` file, in KiB.
    static func parseResidentBytes(_ status: String) -> UInt64? {
        parseField("VmRSS:", in: status)
    }

    /// The first number after `key` on the line starting with it (`key: 123 kB`).
    static func parseField(_ key: String, in text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let parts = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            return parts.first.flatMap { UInt64($0) }
        }
        return nil
    }

    /// The whole file as UTF-8 text, or nil.
    static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
