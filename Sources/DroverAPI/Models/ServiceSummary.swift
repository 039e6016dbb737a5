/// One service in `GET /v1/services`.
public struct ServiceSummary: Codable, Sendable, Equatable {
    /// Service name.
    public var name: String
    /// `docker` or `process`.
    public var engine: String
    /// The version the fleet runs (after the last finished rollout).
    public var currentVersion: String?
    /// Hosts the last rollout targeted.
    public var hosts: [String]
    /// The public port each host's proxy serves it on.
    public var publicPort: Int
    /// The rollout running now, if any.
    public var activeRollout: String?
    /// When the service last changed, Unix milliseconds.
    public var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case name, engine, hosts
        case currentVersion = "current_version"
        case publicPort = "public_port"
        case activeRollout = "active_rollout"
        case updatedAt = "updated_at"
    }

    /// Creates a summary.
    public init(
        name: String, engine: String, currentVersion: String?, hosts: [String], publicPort: Int,
        activeRollout: String? = nil, updatedAt: Int64
    ) {
        self.name = name
        self.engine = engine
        self.currentVersion = currentVersion
        self.hosts = hosts
        self.publicPort = publicPort
        self.activeRollout = activeRollout
        self.updatedAt = updatedAt
    }
}

/// `GET /v1/services`.
public struct ServiceList: Codable, Sendable, Equatable {
    /// By name.
    public var services: [ServiceSummary]

    /// A list.
    public init(services: [ServiceSummary]) {
        self.services = services
    }
}

/// `GET /v1/services/{name}/history`: every version deployed and every rollout, newest first.
public struct ServiceHistory: Codable, Sendable, Equatable {
    /// One version of the service's spec.
    public struct Version: Codable, Sendable, Equatable {
        /// The version.
        public var version: String
        /// The image (docker) or command (process) it runs.
        public var workload: String
        /// When it was first deployed, Unix milliseconds.
        public var createdAt: Int64

        enum CodingKeys: String, CodingKey {
            case version, workload
            case createdAt = "created_at"
        }

        /// Creates a version entry.
        public init(version: String, workload: String, createdAt: Int64) {
            self.version = version
            self.workload = workload
            self.createdAt = createdAt
        }
    }

    /// Service name.
    public var service: String
    /// The version the fleet runs.
    public var currentVersion: String?
    /// Known versions, newest first.
    public var versions: [Version]
    /// Rollouts, newest first.
    public var rollouts: [RolloutSummary]

    enum CodingKeys: String, CodingKey {
        case service, versions, rollouts
        case currentVersion = "current_version"
    }

    /// Creates a history.
    public init(service: String, currentVersion: String?, versions: [Version], rollouts: [RolloutSummary]) {
        self.service = service
        self.currentVersion = currentVersion
        self.versions = versions
        self.rollouts = rollouts
    }
}
