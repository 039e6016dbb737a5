/// One reading of `/proc/stat`: the aggregate CPU counters and those of each online CPU.
public struct CPUSample: ProcFileParsable, Equatable {
    public static let file = ProcFile.stat

    /// The `cpu` line: all CPUs together.
    public var total: CPUTimes
    /// The `cpuN` lines, keyed by N. Offline CPUs have no line, so the keys can have gaps.
    public var cores: [Int: CPUTimes]

    /// Creates a sample.
    public init(total: CPUTimes, cores: [Int: CPUTimes]) {
        self.total = total
        self.cores = cores
    }

    /// Parses `/proc/stat`. Lines other than `cpu…` (intr, ctxt, btime, …) are ignored, and so
    /// are columns past `steal` (guest, guest_nice and whatever later kernels add).
    public static func parse(_ bytes: [UInt8]) throws(HostMetricsError) -> CPUSample {
        let text = ProcText(file: file)
        var total: CPUTimes?
        var cores: [Int: CPUTimes] = [:]
        for line in text.lines(bytes) {
            let name = line.fields[0]
            guard name.starts(with: "cpu".utf8) else { continue }
            let times = try times(line, text: text)
            let suffix = name.dropFirst(3)
            if suffix.isEmpty {
                total = times
            } else if let index = ProcText.unsigned(suffix), index <= UInt64(Int32.max) {
                cores[Int(index)] = times
            } else {
                throw text.malformed(line.number, "unexpected CPU name \"\(ProcText.string(name))\"")
            }
        }
        guard let total else {
            throw HostMetricsError(.missingField, file: file.path, detail: "no aggregate \"cpu\" line")
        }
        return CPUSample(total: total, cores: cores)
    }

    /// Reads the counters of one `cpu` line; at least user, nice, system and idle must be there
    /// (kernels before 2.6 stopped there; iowait, irq, softirq and steal came later).
    private static func times(_ line: ProcText.Line, text: ProcText) throws(HostMetricsError) -> CPUTimes {
        let columns = line.fields.dropFirst().prefix(8)
        var values: [UInt64] = []
        values.reserveCapacity(8)
        for column in columns {
            guard let value = ProcText.unsigned(column) else {
                throw text.malformed(line.number, "\"\(ProcText.string(column))\" is not a jiffies counter")
            }
            values.append(value)
        }
        guard values.count >= 4 else {
            throw text.malformed(line.number, "expected at least 4 counters, found \(values.count)")
        }
        values += Array(repeating: 0, count: 8 - values.count)
        return CPUTimes(
            user: values[0], nice: values[1], system: values[2], idle: values[3],
            iowait: values[4], irq: values[5], softirq: values[6], steal: values[7]
        )
    }
}
