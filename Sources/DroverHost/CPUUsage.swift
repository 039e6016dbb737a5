/// CPU usage over the interval between two `/proc/stat` samples, in total and per core.
public struct CPUUsage: Sendable, Equatable {
    /// All CPUs together.
    public var total: CPUShare
    /// Each core present in both samples, in index order.
    ///
    /// A core that came online between the samples has no previous counters and appears from
    /// the next interval on; one that went offline is left out.
    public var cores: [CoreUsage]

    /// Creates usage from its parts.
    public init(total: CPUShare, cores: [CoreUsage]) {
        self.total = total
        self.cores = cores
    }

    /// Usage over the interval from `previous` to `current`.
    public init(from previous: CPUSample, to current: CPUSample) {
        total = CPUShare(from: previous.total, to: current.total)
        cores = current.cores.keys.sorted().compactMap { index in
            guard let before = previous.cores[index], let after = current.cores[index] else { return nil }
            return CoreUsage(index: index, share: CPUShare(from: before, to: after))
        }
    }
}
