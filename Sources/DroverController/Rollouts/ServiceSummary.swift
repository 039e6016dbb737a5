/// A deployed service: what runs, where, and its rollout in progress.
public struct ServiceSummary: Sendable, Equatable, Codable {
    /// The service's name.
    public var name: String
    /// The version the fleet runs (`nil` before the first successful rollout).
    public var currentVersion: String?
    /// Hosts of the latest rollout that run the current version.
    public var hosts: [String]
    /// The rollout in progress, if any.
    public var activeRolloutID: String?
    /// When it last changed, Unix milliseconds.
    public var updatedAt: Int64
}

/// A service's history: every version deployed and every rollout, newest first.
public struct ServiceHistory: Sendable, Equatable, Codable {
    /// One version deployed.
    public struct Version: Sendable, Equatable, Codable {
        /// The version label.
        public var version: String
        /// The image it runs (docker engine).
        public var image: String?
        /// When it was first deployed, Unix milliseconds.
        public var createdAt: Int64
        /// Whether it is what runs now.
        public var current: Bool
    }

    /// The service's name.
    public var service: String
    /// The version that runs now.
    public var currentVersion: String?
    /// Versions, newest first.
    public var versions: [Version]
    /// Rollouts, newest first.
    public var rollouts: [RolloutSummary]
}
