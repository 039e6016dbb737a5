import DroverStore

/// `POST /v1/api-tokens` body.
public struct CreateAPITokenRequest: Codable, Sendable, Equatable {
    /// Unique among active tokens: 1-64 letters, digits, `.` `_` `-` `@` `:`.
    public var name: String
    /// `viewer`, `operator` or `admin`.
    public var role: String
    /// Validity in seconds (60 s to 10 years); absent or null for no expiry.
    public var ttlSeconds: Int64?

    enum CodingKeys: String, CodingKey {
        case name, role
        case ttlSeconds = "ttl_seconds"
    }

    /// Creates a request.
    public init(name: String, role: String, ttlSeconds: Int64? = nil) {
        self.name = name
        self.role = role
        self.ttlSeconds = ttlSeconds
    }
}

/// An API token as listed: never its secret or hash.
public struct APITokenInfo: Codable, Sendable, Equatable {
    /// Public id (8 characters).
    public var id: String
    /// Operator-chosen name.
    public var name: String
    /// `viewer`, `operator` or `admin`.
    public var role: String
    /// `active`, `expired` or `revoked`.
    public var status: String
    /// Creation, Unix milliseconds.
    public var createdAtMs: Int64
    /// Expiry, Unix milliseconds; absent for a token that does not expire.
    public var expiresAtMs: Int64?
    /// Last successful use (to within a minute), Unix milliseconds.
    public var lastUsedAtMs: Int64?
    /// Revocation, Unix milliseconds.
    public var revokedAtMs: Int64?

    enum CodingKeys: String, CodingKey {
        case id, name, role, status
        case createdAtMs = "created_at_ms"
        case expiresAtMs = "expires_at_ms"
        case lastUsedAtMs = "last_used_at_ms"
        case revokedAtMs = "revoked_at_ms"
    }

    /// Creates an info.
    public init(
        id: String, name: String, role: String, status: String, createdAtMs: Int64, expiresAtMs: Int64?,
        lastUsedAtMs: Int64?, revokedAtMs: Int64?
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.status = status
        self.createdAtMs = createdAtMs
        self.expiresAtMs = expiresAtMs
        self.lastUsedAtMs = lastUsedAtMs
        self.revokedAtMs = revokedAtMs
    }
}

/// `POST /v1/api-tokens` answer: the token string, shown once.
public struct CreatedAPIToken: Codable, Sendable, Equatable {
    /// `drv_api_<id>_<secret>`.
    public var token: String
    /// The stored facts.
    public var info: APITokenInfo

    /// Creates an answer.
    public init(token: String, info: APITokenInfo) {
        self.token = token
        self.info = info
    }
}

/// `GET /v1/api-tokens`.
public struct APITokenList: Codable, Sendable, Equatable {
    /// Tokens, oldest first.
    public var tokens: [APITokenInfo]

    /// Creates a list.
    public init(tokens: [APITokenInfo]) {
        self.tokens = tokens
    }
}

extension APITokenInfo {
    /// The listed facts of `record` at `now` (its status depends on the time).
    public init(_ record: APITokenRecord, now: Int64) {
        self.init(
            id: record.id, name: record.name, role: record.role.rawValue, status: record.status(now: now).rawValue,
            createdAtMs: record.createdAt, expiresAtMs: record.expiresAt, lastUsedAtMs: record.lastUsedAt,
            revokedAtMs: record.revokedAt)
    }
}
