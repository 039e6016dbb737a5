/// Load averages and task counts from `/proc/loadavg`.
public struct LoadAverage: ProcFileParsable, Equatable {
    public static let file = ProcFile.loadavg

    /// 1-minute load average in thousandths (`2.50` is 2500); integers keep the wire compact.
    public var load1Milli: UInt32
    /// 5-minute load average in thousandths.
    public var load5Milli: UInt32
    /// 15-minute load average in thousandths.
    public var load15Milli: UInt32
    /// Tasks currently runnable.
    public var runningTasks: UInt32
    /// Tasks (threads) that exist.
    public var totalTasks: UInt32

    /// Creates load figures.
    public init(load1Milli: UInt32, load5Milli: UInt32, load15Milli: UInt32, runningTasks: UInt32, totalTasks: UInt32) {
        self.load1Milli = load1Milli
        self.load5Milli = load5Milli
        self.load15Milli = load15Milli
        self.runningTasks = runningTasks
        self.totalTasks = totalTasks
    }

    /// Parses `/proc/loadavg`, e.g. `0.22 2.50 1.92 2/84 11046`; the last PID is ignored.
    public static func parse(_ bytes: [UInt8]) throws(HostMetricsError) -> LoadAverage {
        let text = ProcText(file: file)
        guard let line = text.lines(bytes).first else {
            throw HostMetricsError(.missingField, file: file.path, detail: "empty file")
        }
        guard line.fields.count >= 4 else {
            throw text.malformed(
                line.number, "expected 3 load averages and running/total, found \(line.fields.count) fields")
        }
        var loads: [UInt32] = []
        for field in line.fields[0..<3] {
            guard let value = ProcText.thousandths(field), let narrow = UInt32(exactly: value) else {
                throw text.malformed(line.number, "\"\(ProcText.string(field))\" is not a load average")
            }
            loads.append(narrow)
        }
        let tasks = line.fields[3].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard tasks.count == 2,
            let running = ProcText.unsigned(tasks[0]).flatMap(UInt32.init(exactly:)),
            let total = ProcText.unsigned(tasks[1]).flatMap(UInt32.init(exactly:))
        else {
            throw text.malformed(line.number, "\"\(ProcText.string(line.fields[3]))\" is not running/total")
        }
        return LoadAverage(
            load1Milli: loads[0], load5Milli: loads[1], load15Milli: loads[2], runningTasks: running, totalTasks: total
        )
    }
}
