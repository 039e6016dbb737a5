/// The spec's `update.blue_green` block: bring up the full new set beside the old one, verify
/// it, switch all traffic at once, keep the old set warm for an instant switch back.
public struct BlueGreenPolicy: Codable, Sendable, Equatable {
    /// `verify`: how long the new set must stay healthy (and pass analysis if it gets traffic)
    /// before the switch (default 0).
    public var verify: SpecDuration
    /// `auto_switch`: switch when verified (default true); `false` waits for a promote.
    public var autoSwitch: Bool
    /// `keep_old`: how long after the switch the old set stays warm for an instant switch back
    /// before it is retired (default 10 min).
    public var keepOld: SpecDuration

    /// A policy; every argument has the documented default.
    public init(verify: SpecDuration = .zero, autoSwitch: Bool = true, keepOld: SpecDuration = .minutes(10)) {
        self.verify = verify
        self.autoSwitch = autoSwitch
        self.keepOld = keepOld
    }
}
