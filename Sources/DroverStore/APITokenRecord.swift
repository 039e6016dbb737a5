/// What an API token may do.
public enum APIRole: String, Sendable, Equatable, Codable, CaseIterable {
    /// Everything, including managing tokens and the CA.
    case admin
    /// Deploy, roll back, drain; no token management.
    case `operator`
    /// Read only.
    case viewer
}

/// A stored operator API token (the secret itself is never stored).
public struct APITokenRecord: Sendable, Equatable, Codable {
    /// Public id (8 characters).
    public var id: String
    /// Operator-chosen name, e.g. "ci-pipeline".
    public var name: String
    /// Lowercase hex SHA-256 of the secret (by the store's ``SecretHasher``).
    public var secretHash: String
    /// What the token may do.
    public var role: APIRole
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64
    /// Last successful authentication, to within a minute; `nil` if never used.
    public var lastUsedAt: Int64?
    /// Revocation time, Unix milliseconds, or `nil` while valid.
    public var revokedAt: Int64?
    /// Expiry time, Unix milliseconds, or `nil` for a token that does not expire.
    public var expiresAt: Int64?

    /// Creates a record.
    public init(
        id: String,
        name: String,
        secretHash: String,
        role: APIRole,
        createdAt: Int64,
        lastUsedAt: Int64? = nil,
        revokedAt: Int64? = nil,
        expiresAt: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.role = role
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.expiresAt = expiresAt
    }

    /// Whether the token is active, expired or revoked at `now` (revocation wins).
    public func status(now: Int64) -> APITokenStatus {
        if revokedAt != nil { return .revoked }
        if let expiresAt, now >= expiresAt { return .expired }
        return .active
    }
}

/// Where an API token stands at a given time.
public enum APITokenStatus: String, Sendable, Equatable, Codable, CaseIterable {
    /// Accepted by the API.
    case active
    /// Past its expiry time.
    case expired
    /// Revoked by an operator.
    case revoked
}
