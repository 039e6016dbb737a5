/// An operator's command on a running canary (or blue-green) rollout: `drover canary SERVICE …`.
public enum CanaryCommand: Sendable, Equatable {
    /// Give the canary this share of the traffic (0–100, up to two decimals) on every canary
    /// host now, and hold it until the next command.
    case percent(Double)
    /// Skip the remaining steps: make the new version the only one everywhere (blue-green: switch now).
    case promote
    /// Stop the canary: every host back to stable only.
    case abort

    /// The command's name in messages.
    var name: String {
        switch self {
        case .percent: "set-canary-weight"
        case .promote: "promote"
        case .abort: "abort"
        }
    }
}
