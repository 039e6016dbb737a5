/// Tunables of ``FleetInventory``: liveness, history depth and condition thresholds.
public struct InventoryConfiguration: Sendable, Equatable {
    /// How often agents report, milliseconds (5 s).
    public var reportIntervalMilliseconds: Int64 = 5_000
    /// A connected host that sends nothing for this many intervals is lost (3, so 15 s).
    public var missedReportsBeforeLost: Int64 = 3
    /// How much history each host keeps, milliseconds (1 hour).
    public var historyMilliseconds: Int64 = 3_600_000
    /// CPU usage above this, basis points of all cores, raises ``HostCondition/cpuHigh`` (85 %).
    public var cpuHighBasisPoints: Int = 8_500
    /// Memory in use above this fraction of the total, basis points, raises ``HostCondition/memoryHigh`` (90 %).
    public var memoryHighBasisPoints: Int = 9_000
    /// Any file system fuller than this, basis points, raises ``HostCondition/diskHigh`` (85 %).
    public var diskHighBasisPoints: Int = 8_500
    /// A condition is raised only when this many consecutive reports are over its threshold,
    /// and cleared only when as many are under it (3 reports, 15 s at the default interval).
    public var sustainedReports: Int = 3

    /// The defaults above.
    public init() {}

    /// Silence after which a host is lost, milliseconds.
    public var lostAfterMilliseconds: Int64 { reportIntervalMilliseconds * missedReportsBeforeLost }

    /// An empty history sized for these settings.
    public func makeHistory() -> SampleHistory {
        SampleHistory(milliseconds: historyMilliseconds, interval: reportIntervalMilliseconds)
    }
}
