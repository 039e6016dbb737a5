/// Memory and swap from `/proc/meminfo`, in bytes.
public struct MemoryInfo: ProcFileParsable, Equatable {
    public static let file = ProcFile.meminfo

    /// Usable RAM (`MemTotal`).
    public var totalBytes: UInt64
    /// Memory available for new work without swapping (`MemAvailable`, or an estimate).
    public var availableBytes: UInt64
    /// `totalBytes - availableBytes`.
    public var usedBytes: UInt64
    /// True when the kernel had no `MemAvailable` (before 3.14) and `availableBytes` is
    /// `MemFree + Buffers + Cached`, which overstates what is really reclaimable.
    public var availableIsEstimate: Bool
    /// `SwapTotal`.
    public var swapTotalBytes: UInt64
    /// `SwapTotal - SwapFree`.
    public var swapUsedBytes: UInt64

    /// Creates memory figures; `usedBytes` is derived.
    public init(
        totalBytes: UInt64, availableBytes: UInt64, availableIsEstimate: Bool = false,
        swapTotalBytes: UInt64, swapUsedBytes: UInt64
    ) {
        self.totalBytes = totalBytes
        // The fallback estimate can exceed the total; never report more available than exists.
        self.availableBytes = min(availableBytes, totalBytes)
        self.usedBytes = totalBytes - self.availableBytes
        self.availableIsEstimate = availableIsEstimate
        self.swapTotalBytes = swapTotalBytes
        self.swapUsedBytes = min(swapUsedBytes, swapTotalBytes)
    }

    /// The keys this parser reads; every other line is ignored, whatever its shape.
    private static let wanted: Set<String> = [
        "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree",
    ]

    /// Parses `/proc/meminfo` (`Key:   123 kB` lines).
    public static func parse(_ bytes: [UInt8]) throws(HostMetricsError) -> MemoryInfo {
        let text = ProcText(file: file)
        var values: [String: UInt64] = [:]
        for line in text.lines(bytes) {
            let label = line.fields[0]
            guard label.last == UInt8(ascii: ":") else { continue }
            let key = ProcText.string(label.dropLast())
            guard wanted.contains(key) else { continue }
            guard line.fields.count >= 2, let amount = ProcText.unsigned(line.fields[1]) else {
                throw text.malformed(line.number, "\(key) has no numeric value")
            }
            var multiplier: UInt64 = 1
            if line.fields.count >= 3 {
                guard line.fields[2].elementsEqual("kB".utf8) else {
                    throw text.malformed(line.number, "\(key) has unknown unit \"\(ProcText.string(line.fields[2]))\"")
                }
                multiplier = 1024
            }
            let (bytes, overflow) = amount.multipliedReportingOverflow(by: multiplier)
            guard !overflow else { throw text.malformed(line.number, "\(key) overflows 64 bits") }
            values[key] = bytes
        }

        func require(_ key: String) throws(HostMetricsError) -> UInt64 {
            guard let value = values[key] else {
                throw HostMetricsError(.missingField, file: file.path, detail: "no \(key) line")
            }
            return value
        }
        let total = try require("MemTotal")
        let available: UInt64
        let estimated: Bool
        if let reported = values["MemAvailable"] {
            available = reported
            estimated = false
        } else {
            let parts = [try require("MemFree"), try require("Buffers"), try require("Cached")]
            // Saturate: absurd values must not trap the agent.
            available = parts.reduce(0) { sum, part in
                let (result, overflow) = sum.addingReportingOverflow(part)
                return overflow ? .max : result
            }
            estimated = true
        }
        let swapTotal = values["SwapTotal"] ?? 0
        let swapFree = values["SwapFree"] ?? swapTotal
        return MemoryInfo(
            totalBytes: total, availableBytes: available, availableIsEstimate: estimated,
            swapTotalBytes: swapTotal, swapUsedBytes: swapTotal - min(swapFree, swapTotal)
        )
    }
}
