import DroverWire

/// Everything the inventory knows about one host: identity, liveness, latest report, history.
public struct InventoryHost: Sendable {
    /// Stable host id (the certificate identity).
    public var id: String
    /// Operator-facing name.
    public var name: String
    /// Address the agent connected from.
    public var address: String
    /// Version string the agent reported.
    public var agentVersion: String
    /// Operator labels.
    public var labels: [String: String]
    /// Whether an agent session is open.
    public internal(set) var isConnected: Bool
    /// Whether the session is open but silent for the lost interval.
    public internal(set) var isSilent: Bool = false
    /// Operator drain.
    public internal(set) var isDrained: Bool
    /// Operator removal; a removed host ignores everything after.
    public internal(set) var isRemoved: Bool
    /// Last time the host was heard from (connect, report or heartbeat), Unix milliseconds.
    public internal(set) var lastSeenAt: Int64
    /// The newest report, if any arrived since the controller started.
    public internal(set) var latestReport: Drover_V1_HostReport?
    /// Reduced reports: the last five minutes at full resolution, minute averages before.
    public internal(set) var history: SampleHistory
    /// Conditions currently raised.
    public internal(set) var conditions: Set<HostCondition> = []
    /// Consecutive reports over (positive) or under (negative) each threshold.
    var streaks: [HostCondition: Int] = [:]

    init(
        id: String,
        name: String,
        address: String,
        agentVersion: String,
        labels: [String: String],
        isConnected: Bool,
        isDrained: Bool = false,
        isRemoved: Bool = false,
        lastSeenAt: Int64,
        history: SampleHistory
    ) {
        self.id = id
        self.name = name
        self.address = address
        self.agentVersion = agentVersion
        self.labels = labels
        self.isConnected = isConnected
        self.isDrained = isDrained
        self.isRemoved = isRemoved
        self.lastSeenAt = lastSeenAt
        self.history = history
    }

    /// The single state shown to operators: removed, then lost, then drained, then ready.
    public var state: InventoryHostState {
        if isRemoved { return .removed }
        if !isConnected || isSilent { return .lost }
        if isDrained { return .drained }
        return .ready
    }

    /// Raised conditions in a stable order.
    public var sortedConditions: [HostCondition] { conditions.sorted() }

    /// History samples at or after `since`, oldest first.
    public func history(since: Int64) -> [HostSample] {
        history.elements.filter { $0.at >= since }
    }
}
