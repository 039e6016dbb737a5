/// Cumulative traffic counters of one network interface, from `/proc/net/dev`.
public struct InterfaceCounters: Sendable, Equatable {
    /// The interface name, e.g. `eth0`.
    public var name: String
    public var rxBytes: UInt64
    public var rxPackets: UInt64
    public var rxErrors: UInt64
    public var rxDropped: UInt64
    public var txBytes: UInt64
    public var txPackets: UInt64
    public var txErrors: UInt64
    public var txDropped: UInt64

    /// Creates counters.
    public init(
        name: String, rxBytes: UInt64, rxPackets: UInt64 = 0, rxErrors: UInt64 = 0, rxDropped: UInt64 = 0,
        txBytes: UInt64, txPackets: UInt64 = 0, txErrors: UInt64 = 0, txDropped: UInt64 = 0
    ) {
        self.name = name
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.rxErrors = rxErrors
        self.rxDropped = rxDropped
        self.txBytes = txBytes
        self.txPackets = txPackets
        self.txErrors = txErrors
        self.txDropped = txDropped
    }
}
