/// A transition the inventory decided, for the caller to persist or act on.
public struct InventoryEvent: Sendable, Equatable {
    /// What changed.
    public enum Kind: Sendable, Equatable {
        /// The host's agent connected (first time, or again after a loss).
        case connected
        /// The host went silent for the lost interval while connected.
        case lost
        /// The host's connection closed.
        case disconnected
        /// A lost host reported again.
        case recovered
        /// An operator drained the host.
        case drained
        /// An operator undrained the host.
        case undrained
        /// An operator removed the host.
        case removed
        /// A threshold was exceeded for the sustained window.
        case conditionRaised(HostCondition)
        /// A raised condition was under its threshold for the sustained window.
        case conditionCleared(HostCondition)
    }

    /// When it happened, Unix milliseconds.
    public var at: Int64
    /// The host concerned.
    public var hostID: String
    /// What changed.
    public var kind: Kind

    /// Creates an event.
    public init(at: Int64, hostID: String, kind: Kind) {
        self.at = at
        self.hostID = hostID
        self.kind = kind
    }

    /// Dotted kind for the event log, e.g. `host.lost`, `host.condition.raised`.
    public var name: String {
        switch kind {
        case .connected: return "host.connected"
        case .lost: return "host.lost"
        case .disconnected: return "host.disconnected"
        case .recovered: return "host.recovered"
        case .drained: return "host.drained"
        case .undrained: return "host.undrained"
        case .removed: return "host.removed"
        case .conditionRaised: return "host.condition.raised"
        case .conditionCleared: return "host.condition.cleared"
        }
    }

    /// The condition for condition events.
    public var condition: HostCondition? {
        switch kind {
        case .conditionRaised(let condition), .conditionCleared(let condition): return condition
        default: return nil
        }
    }

    /// One human line, e.g. "host lost" or "condition CPUHigh raised".
    public var message: String {
        switch kind {
        case .conditionRaised(let condition): return "condition \(condition.rawValue) raised"
        case .conditionCleared(let condition): return "condition \(condition.rawValue) cleared"
        default: return "host " + name.dropFirst("host.".count)
        }
    }

    /// Whether an operator should look: losses and raised conditions.
    public var isWarning: Bool {
        switch kind {
        case .lost, .conditionRaised: return true
        default: return false
        }
    }
}
