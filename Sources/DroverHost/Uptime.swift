/// Time since boot from `/proc/uptime`.
public struct Uptime: ProcFileParsable, Equatable {
    public static let file = ProcFile.uptime

    /// Time since boot in milliseconds (the kernel reports hundredths of a second).
    public var milliseconds: UInt64

    /// Whole seconds since boot.
    public var seconds: UInt64 { milliseconds / 1000 }

    /// Creates an uptime.
    public init(milliseconds: UInt64) {
        self.milliseconds = milliseconds
    }

    /// Parses `/proc/uptime`, e.g. `8398.07 15765.88`; the second number (idle time summed over
    /// CPUs) is ignored.
    public static func parse(_ bytes: [UInt8]) throws(HostMetricsError) -> Uptime {
        let text = ProcText(file: file)
        guard let line = text.lines(bytes).first else {
            throw HostMetricsError(.missingField, file: file.path, detail: "empty file")
        }
        guard let value = ProcText.thousandths(line.fields[0]) else {
            throw text.malformed(line.number, "\"\(ProcText.string(line.fields[0]))\" is not a number of seconds")
        }
        return Uptime(milliseconds: value)
    }
}
