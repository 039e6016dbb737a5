/// The share of one CPU core over an interval.
public struct CoreUsage: Sendable, Equatable {
    /// The core's number, N in `cpuN`.
    public var index: Int
    /// How it spent the interval.
    public var share: CPUShare

    /// Creates a core's usage.
    public init(index: Int, share: CPUShare) {
        self.index = index
        self.share = share
    }
}
