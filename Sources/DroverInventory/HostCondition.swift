/// A named problem a host has, raised and cleared from sustained report figures.
public enum HostCondition: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// CPU usage over the threshold.
    case cpuHigh = "CPUHigh"
    /// Memory use over the threshold.
    case memoryHigh = "MemoryHigh"
    /// At least one file system fuller than the threshold.
    case diskHigh = "DiskHigh"

    /// Orders by declaration, for stable output.
    public static func < (lhs: HostCondition, rhs: HostCondition) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
