import DroverHost

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Hands back to the kernel the code and read-only data pages the agent needed only to start.
///
/// Start-up touches megabytes of the binary and its libraries that the report loop never runs
/// again: argument parsing, the Swift runtime's first metadata lookups, OpenSSL's initialisation,
/// enrollment and the handshake, and the unwind tables `dispatch_main` reads when it parks the
/// main thread. Those are clean file pages; the kernel would drop them under memory pressure,
/// but on a quiet host they stay mapped and count in the agent's RSS. Once a session is up and
/// its first report sent, the agent advises `MADV_PAGEOUT` (Linux 5.4+) on the file pages of its
/// private file mappings, and the loop faults its own working set back in within one interval.
///
/// - Only file pages go: `/proc/self/pagemap` tells which pages of a mapping are private,
///   anonymous copies (relocated data, written globals), and those are left out of the advice,
///   since paging them out would mean swap. This matters for the binary's `.rodata`, which lld
///   maps writable (some of Swift's input `.rodata` sections are), and for RELRO data.
/// - The kernel skips pages another process also maps (a shared libc stays where it is).
/// - Code that runs later (a container swap, a renewal) faults in from the page cache, as any
///   page the kernel had reclaimed would.
public enum StartupPages {
    /// A mapping from `/proc/self/maps` that may be paged out.
    public struct Mapping: Equatable, Sendable {
        /// First address.
        public var start: UInt
        /// One past the last address.
        public var end: UInt
        /// The mapped file.
        public var path: String

        /// Creates a mapping.
        public init(start: UInt, end: UInt, path: String) {
            self.start = start
            self.end = end
            self.path = path
        }
    }

    /// The readable, private mappings of files in `maps`, the text of `/proc/PID/maps`; other
    /// lines (anonymous memory, `[vdso]`, guard pages, shared mappings, memfd and device
    /// mappings, whose pages are shared memory rather than a file's) are skipped.
    public static func candidates(inMaps maps: String) -> [Mapping] {
        var result: [Mapping] = []
        for line in maps.split(separator: "\n") {
            // "start-end perms offset dev inode   path": the path is what follows the fifth field.
            var rest = line[...]
            var fields: [Substring] = []
            while fields.count < 5 {
                rest = rest.drop(while: { $0 == " " })
                guard let space = rest.firstIndex(of: " ") else { break }
                fields.append(rest[..<space])
                rest = rest[space...]
            }
            let path = rest.drop(while: { $0 == " " })
            guard fields.count == 5, path.hasPrefix("/"), !path.hasPrefix("/memfd:"), !path.hasPrefix("/dev/") else {
                continue
            }
            let permissions = Array(fields[1].utf8)
            guard permissions.count == 4, permissions[0] == UInt8(ascii: "r"), permissions[3] == UInt8(ascii: "p")
            else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
                start < end
            else { continue }
            result.append(Mapping(start: start, end: end, path: String(path)))
        }
        return result
    }

    /// The parts of a mapping to advise, given its `pagemap` entries (one per page from
    /// `start`): maximal runs without a present anonymous page. Bit 63 of an entry is "present",
    /// bit 61 "file page or shared anonymous".
    public static func fileRuns(start: UInt, pageSize: UInt, entries: some Collection<UInt64>) -> [Range<UInt>] {
        var runs: [Range<UInt>] = []
        var runStart: UInt?
        var address = start
        for entry in entries {
            let anonymous = entry & (1 << 63) != 0 && entry & (1 << 61) == 0
            if anonymous {
                if let open = runStart { runs.append(open..<address) }
                runStart = nil
            } else if runStart == nil {
                runStart = address
            }
            address += pageSize
        }
        if let open = runStart { runs.append(open..<address) }
        return runs
    }

    /// Advises `MADV_PAGEOUT` on the file pages of every candidate mapping of this process.
    ///
    /// - Returns: the bytes of address space advised, or nil when `/proc/self/maps` or
    ///   `/proc/self/pagemap` cannot be read or the kernel does not know the advice (older
    ///   than 5.4).
    @discardableResult
    public static func release() -> Int? {
        guard let bytes = try? LinuxHostMetricsSource.readFile(atPath: "/proc/self/maps", maxSize: 1 << 20) else {
            return nil
        }
        let pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        guard pagemap >= 0 else { return nil }
        defer { close(pagemap) }
        let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let mappings = candidates(inMaps: String(decoding: bytes, as: UTF8.self))
        var advised = 0
        var refused = false
        for mapping in mappings {
            let pages = Int((mapping.end - mapping.start) / pageSize)
            var entries = [UInt64](repeating: 0, count: pages)
            let wanted = pages * MemoryLayout<UInt64>.stride
            let got = entries.withUnsafeMutableBytes { buffer in
                pread(pagemap, buffer.baseAddress, wanted, off_t(mapping.start / pageSize) * 8)
            }
            guard got == wanted else { continue }
            for run in fileRuns(start: mapping.start, pageSize: pageSize, entries: entries) {
                guard let address = UnsafeMutableRawPointer(bitPattern: run.lowerBound) else { continue }
                // A locked mapping refuses the advice; the others still take it.
                if madvise(address, Int(run.upperBound - run.lowerBound), MADV_PAGEOUT) == 0 {
                    advised += Int(run.upperBound - run.lowerBound)
                } else {
                    refused = true
                }
            }
        }
        return advised == 0 && refused ? nil : advised
    }
}
