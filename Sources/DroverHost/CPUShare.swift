/// How one CPU (or all of them) spent an interval, in basis points (0…10000 = 0…100 %).
///
/// `busy` is everything but idle and iowait (as top and node_exporter count it: a CPU waiting
/// for I/O is free to run other work). The parts are rounded separately, so they may not add
/// up to `busy` exactly.
public struct CPUShare: Sendable, Equatable {
    /// Not idle and not waiting for I/O.
    public var busy: UInt16
    /// User plus nice.
    public var user: UInt16
    /// System plus irq plus softirq.
    public var system: UInt16
    /// Idle while I/O was outstanding.
    public var iowait: UInt16
    /// Taken by the hypervisor for other guests.
    public var steal: UInt16

    /// All zero: what an interval with no elapsed ticks reports.
    public static let zero = CPUShare(busy: 0, user: 0, system: 0, iowait: 0, steal: 0)

    /// Creates a share.
    public init(busy: UInt16, user: UInt16, system: UInt16, iowait: UInt16, steal: UInt16) {
        self.busy = busy
        self.user = user
        self.system = system
        self.iowait = iowait
        self.steal = steal
    }

    /// The share of the interval between two readings of the same CPU's counters.
    ///
    /// Each counter's delta saturates at zero when it went backwards (a CPU that went offline and
    /// came back, a hypervisor resetting steal), and a zero total gives `.zero`, never a division
    /// by zero.
    public init(from previous: CPUTimes, to current: CPUTimes) {
        func delta(_ keyPath: KeyPath<CPUTimes, UInt64>) -> UInt64 {
            let (value, wrapped) = current[keyPath: keyPath].subtractingReportingOverflow(previous[keyPath: keyPath])
            return wrapped ? 0 : value
        }
        let user = Self.sum([delta(\.user), delta(\.nice)])
        let system = Self.sum([delta(\.system), delta(\.irq), delta(\.softirq)])
        let idle = delta(\.idle)
        let iowait = delta(\.iowait)
        let steal = delta(\.steal)
        let total = Self.sum([user, system, idle, iowait, steal])
        guard total > 0 else {
            self = .zero
            return
        }
        let busy = Self.sum([user, system, steal])
        self.init(
            busy: Self.basisPoints(busy, of: total),
            user: Self.basisPoints(user, of: total),
            system: Self.basisPoints(system, of: total),
            iowait: Self.basisPoints(iowait, of: total),
            steal: Self.basisPoints(steal, of: total)
        )
    }

    /// Adds counters, saturating rather than trapping on absurd values.
    private static func sum(_ values: [UInt64]) -> UInt64 {
        values.reduce(0) { partial, value in
            let (result, overflow) = partial.addingReportingOverflow(value)
            return overflow ? .max : result
        }
    }

    /// `part / total` in basis points, rounded to nearest; full-width math so huge deltas
    /// cannot overflow, and clamped because a saturated total can be smaller than its parts.
    private static func basisPoints(_ part: UInt64, of total: UInt64) -> UInt16 {
        guard part < total else { return 10_000 }
        let product = part.multipliedFullWidth(by: 10_000)
        let (quotient, remainder) = total.dividingFullWidth(product)
        let rounded = remainder >= total - remainder ? quotient + 1 : quotient
        return UInt16(min(rounded, 10_000))
    }
}
