/// Every interface's counters from `/proc/net/dev`, in the kernel's order.
public struct NetworkDevices: ProcFileParsable, Equatable {
    public static let file = ProcFile.netDev

    /// The interfaces, loopback included (the collector drops what it is told to).
    public var interfaces: [InterfaceCounters]

    /// Creates a table.
    public init(interfaces: [InterfaceCounters]) {
        self.interfaces = interfaces
    }

    /// Parses `/proc/net/dev`: two header lines (recognised by their `|`), then
    /// `name: 8 receive counters 8 transmit counters`. Columns past those 16 are ignored.
    public static func parse(_ bytes: [UInt8]) throws(HostMetricsError) -> NetworkDevices {
        let text = ProcText(file: file)
        var interfaces: [InterfaceCounters] = []
        var number = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if rawLine.contains(UInt8(ascii: "|")) { continue }
            // Old kernels wrote `eth0:123` with no space, so split on the colon, not on fields.
            // A colon cannot appear in an interface name (the kernel's dev_valid_name refuses it).
            guard let colon = rawLine.firstIndex(of: UInt8(ascii: ":")) else {
                if ProcText.fields(rawLine).isEmpty { continue }
                throw text.malformed(number, "expected \"interface: counters\"")
            }
            let name = ProcText.fields(rawLine[..<colon])
            let counters = ProcText.fields(rawLine[(colon + 1)...])
            guard name.count == 1 else { throw text.malformed(number, "missing interface name") }
            guard counters.count >= 16 else {
                throw text.malformed(number, "expected 16 counters, found \(counters.count)")
            }
            var values: [UInt64] = []
            for field in counters.prefix(16) {
                guard let value = ProcText.unsigned(field) else {
                    throw text.malformed(number, "\"\(ProcText.string(field))\" is not a counter")
                }
                values.append(value)
            }
            interfaces.append(
                InterfaceCounters(
                    name: ProcText.string(name[0]),
                    rxBytes: values[0], rxPackets: values[1], rxErrors: values[2], rxDropped: values[3],
                    txBytes: values[8], txPackets: values[9], txErrors: values[10], txDropped: values[11]
                )
            )
        }
        return NetworkDevices(interfaces: interfaces)
    }
}
