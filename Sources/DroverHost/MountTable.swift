/// The mount table from `/proc/self/mounts`, one entry per mount point.
public struct MountTable: ProcFileParsable, Equatable {
    public static let file = ProcFile.mounts

    /// Every mount point, in the order of its last mount.
    public var entries: [MountEntry]

    /// Creates a table.
    public init(entries: [MountEntry]) {
        self.entries = entries
    }

    /// Parses the mount table (fstab format: device, mount point, type, options, dump, pass).
    ///
    /// When one mount point appears more than once (a filesystem mounted over another), the last
    /// line wins: it is the mount a path lookup (and so `statvfs`) reaches.
    public static func parse(_ bytes: [UInt8]) throws(HostMetricsError) -> MountTable {
        let text = ProcText(file: file)
        var all: [MountEntry] = []
        for line in text.lines(bytes) {
            guard line.fields.count >= 3 else {
                throw text.malformed(
                    line.number, "expected device, mount point and type, found \(line.fields.count) fields")
            }
            all.append(
                MountEntry(
                    device: unescape(line.fields[0]),
                    mountPoint: unescape(line.fields[1]),
                    fsType: ProcText.string(line.fields[2]),
                    options: line.fields.count > 3 ? ProcText.string(line.fields[3]) : ""
                )
            )
        }
        // Walk backwards so the last mount of each point is the one kept.
        var seen: Set<String> = []
        var kept: [MountEntry] = []
        for entry in all.reversed() where seen.insert(entry.mountPoint).inserted {
            kept.append(entry)
        }
        return MountTable(entries: kept.reversed())
    }

    /// The entries `filter` keeps: real filesystems worth reporting.
    ///
    /// Filter after deduplicating, so a real filesystem hidden under a later tmpfs mount on the
    /// same point is not reported with the tmpfs's numbers.
    public func filtered(by filter: MountFilter) -> MountTable {
        MountTable(entries: entries.filter(filter.includes))
    }

    /// Decodes the kernel's octal escapes (`\040` space, `\011` tab, `\012` newline, `\134`
    /// backslash); a backslash not followed by three octal digits is kept as it is.
    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        guard field.contains(UInt8(ascii: "\\")) else { return ProcText.string(field) }
        let bytes = Array(field)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 4 <= bytes.count,
                let value = octal(bytes[(index + 1)..<(index + 4)])
            {
                out.append(value)
                index += 4
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Three octal digits as a byte, or nil.
    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value: UInt16 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + UInt16(digit - UInt8(ascii: "0"))
        }
        return value <= 0xFF ? UInt8(value) : nil
    }
}
