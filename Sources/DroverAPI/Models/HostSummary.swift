/// One host in `GET /v1/hosts`: identity, state and the latest headline figures.
public struct HostSummary: Codable, Sendable, Equatable {
    /// Host id.
    public var id: String
    /// Host name.
    public var name: String
    /// Last known address.
    public var address: String
    /// `ready`, `lost`, `drained` or `removed`.
    public var state: String
    /// Whether an agent session is open now.
    public var connected: Bool
    /// Agent version.
    public var agentVersion: String
    /// Operator labels.
    public var labels: [String: String]
    /// Last time the host was heard from, Unix milliseconds.
    public var lastSeenMs: Int64
    /// CPU busy percent of all cores, when a report arrived since the controller started.
    public var cpuPercent: Double?
    /// Memory in use, bytes.
    public var memoryUsedBytes: UInt64?
    /// Memory installed, bytes.
    public var memoryTotalBytes: UInt64?
    /// The fullest file system's use, percent.
    public var diskMaxPercent: Double?
    /// The fullest file system's mount point.
    public var diskMaxMountpoint: String?
    /// 1-minute load average.
    public var load1: Double?
    /// Raised conditions, e.g. `["CPUHigh"]`.
    public var conditions: [String]

    enum CodingKeys: String, CodingKey {
        case id, name, address, state, connected, labels, conditions
        case agentVersion = "agent_version"
        case lastSeenMs = "last_seen_ms"
        case cpuPercent = "cpu_percent"
        case memoryUsedBytes = "memory_used_bytes"
        case memoryTotalBytes = "memory_total_bytes"
        case diskMaxPercent = "disk_max_percent"
        case diskMaxMountpoint = "disk_max_mountpoint"
        case load1
    }

    /// Creates a summary.
    public init(
        id: String, name: String, address: String, state: String, connected: Bool, agentVersion: String,
        labels: [String: String], lastSeenMs: Int64, cpuPercent: Double? = nil, memoryUsedBytes: UInt64? = nil,
        memoryTotalBytes: UInt64? = nil, diskMaxPercent: Double? = nil, diskMaxMountpoint: String? = nil,
        load1: Double? = nil, conditions: [String] = []
    ) {
        self.id = id
        self.name = name
        self.address = address
        self.state = state
        self.connected = connected
        self.agentVersion = agentVersion
        self.labels = labels
        self.lastSeenMs = lastSeenMs
        self.cpuPercent = cpuPercent
        self.memoryUsedBytes = memoryUsedBytes
        self.memoryTotalBytes = memoryTotalBytes
        self.diskMaxPercent = diskMaxPercent
        self.diskMaxMountpoint = diskMaxMountpoint
        self.load1 = load1
        self.conditions = conditions
    }
}

/// `GET /v1/hosts`.
public struct HostList: Codable, Sendable, Equatable {
    /// Hosts ordered by name.
    public var hosts: [HostSummary]

    /// Creates a list.
    public init(hosts: [HostSummary]) {
        self.hosts = hosts
    }
}
