/// `POST /v1/tokens` body.
public struct CreateJoinTokenRequest: Codable, Sendable, Equatable {
    /// Validity, seconds (default 24 h).
    public var ttlSeconds: Int64?
    /// Maximum redemptions; absent or null for unlimited.
    public var uses: Int?
    /// Labels given to hosts that join with the token.
    public var labels: [String: String]?

    enum CodingKeys: String, CodingKey {
        case uses, labels
        case ttlSeconds = "ttl_seconds"
    }

    /// Creates a request.
    public init(ttlSeconds: Int64? = nil, uses: Int? = nil, labels: [String: String]? = nil) {
        self.ttlSeconds = ttlSeconds
        self.uses = uses
        self.labels = labels
    }
}

/// A join token as listed (never its secret).
public struct JoinTokenInfo: Codable, Sendable, Equatable {
    /// Public id.
    public var id: String
    /// `active`, `expired`, `revoked` or `used_up`.
    public var status: String
    /// Labels for joining hosts.
    public var labels: [String: String]
    /// Creation, Unix milliseconds.
    public var createdAtMs: Int64
    /// Expiry, Unix milliseconds.
    public var expiresAtMs: Int64
    /// Maximum redemptions, nil for unlimited.
    public var maxUses: Int?
    /// Redemptions so far.
    public var uses: Int
    /// Revocation, Unix milliseconds.
    public var revokedAtMs: Int64?

    enum CodingKeys: String, CodingKey {
        case id, status, labels, uses
        case createdAtMs = "created_at_ms"
        case expiresAtMs = "expires_at_ms"
        case maxUses = "max_uses"
        case revokedAtMs = "revoked_at_ms"
    }

    /// Creates an info.
    public init(
        id: String, status: String, labels: [String: String], createdAtMs: Int64, expiresAtMs: Int64, maxUses: Int?,
        uses: Int, revokedAtMs: Int64?
    ) {
        self.id = id
        self.status = status
        self.labels = labels
        self.createdAtMs = createdAtMs
        self.expiresAtMs = expiresAtMs
        self.maxUses = maxUses
        self.uses = uses
        self.revokedAtMs = revokedAtMs
    }
}

/// `POST /v1/tokens` answer: the token string, shown once.
public struct CreatedJoinToken: Codable, Sendable, Equatable {
    /// `drv_<id>_<secret>`.
    public var token: String
    /// The stored facts.
    public var info: JoinTokenInfo

    /// Creates an answer.
    public init(token: String, info: JoinTokenInfo) {
        self.token = token
        self.info = info
    }
}

/// `GET /v1/tokens`.
public struct JoinTokenList: Codable, Sendable, Equatable {
    /// Tokens, oldest first.
    public var tokens: [JoinTokenInfo]

    /// Creates a list.
    public init(tokens: [JoinTokenInfo]) {
        self.tokens = tokens
    }
}
