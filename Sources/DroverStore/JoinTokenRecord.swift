/// A stored join token: its public id, the secret's hash, validity and use count.
public struct JoinTokenRecord: Sendable, Equatable, Codable {
    /// Public short id (8 characters), shown by `drover token list`.
    public var id: String
    /// Lowercase hex SHA-256 of the secret (by the store's ``SecretHasher``).
    public var secretHash: String
    /// Labels given to hosts that join with this token.
    public var labels: [String: String]
    /// Creation time, Unix milliseconds.
    public var createdAt: Int64
    /// The token is refused from this time on, Unix milliseconds.
    public var expiresAt: Int64
    /// Maximum redemptions, or `nil` for unlimited.
    public var maxUses: Int?
    /// Redemptions so far.
    public var uses: Int
    /// Revocation time, Unix milliseconds, or `nil` while not revoked.
    public var revokedAt: Int64?

    /// Creates a record.
    public init(
        id: String,
        secretHash: String,
        labels: [String: String],
        createdAt: Int64,
        expiresAt: Int64,
        maxUses: Int?,
        uses: Int,
        revokedAt: Int64?
    ) {
        self.id = id
        self.secretHash = secretHash
        self.labels = labels
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.maxUses = maxUses
        self.uses = uses
        self.revokedAt = revokedAt
    }

    /// Redemptions left, or `nil` for unlimited.
    public var remainingUses: Int? {
        maxUses.map { max(0, $0 - uses) }
    }

    /// Why the token would be refused at `now`, or `nil` if it can be redeemed.
    ///
    /// Checked in this order: revoked, expired, used up.
    public func refusal(now: Int64) -> StoreError? {
        if revokedAt != nil {
            return .tokenRevoked
        }
        if now >= expiresAt {
            return .tokenExpired(at: expiresAt)
        }
        if let maxUses, uses >= maxUses {
            return .tokenUsedUp(uses: uses)
        }
        return nil
    }
}
