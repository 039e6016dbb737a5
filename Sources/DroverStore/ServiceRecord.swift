/// A deployed service: its name, the version that runs now and that version's spec.
public struct ServiceRecord: Sendable, Equatable, Codable {
    /// The service's name (a DNS label).
    public var name: String
    /// The version the fleet runs, `nil` until the first rollout succeeds.
    public var currentVersion: String?
    /// The current version's spec as JSON (the first deployed spec until one runs).
    public var specJSON: String
    /// When the service last changed, Unix milliseconds.
    public var updatedAt: Int64

    /// Creates a record.
    public init(name: String, currentVersion: String?, specJSON: String, updatedAt: Int64) {
        self.name = name
        self.currentVersion = currentVersion
        self.specJSON = specJSON
        self.updatedAt = updatedAt
    }
}

/// One version a service was deployed with: the history `drover history SERVICE` lists and
/// the spec a rollback swaps back to.
public struct ServiceVersionRecord: Sendable, Equatable, Codable {
    /// The service's name.
    public var service: String
    /// The version label.
    public var version: String
    /// The spec as JSON.
    public var specJSON: String
    /// When this version was first deployed, Unix milliseconds.
    public var createdAt: Int64

    /// Creates a record.
    public init(service: String, version: String, specJSON: String, createdAt: Int64) {
        self.service = service
        self.version = version
        self.specJSON = specJSON
        self.createdAt = createdAt
    }
}
