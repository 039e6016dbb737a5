/// A parsed join token, `drv_<id>_<secret>`: the public id and the secret an agent presents.
///
/// Its `description` shows only the id; the secret never reaches logs through it.
public struct JoinToken: Sendable, Equatable, CustomStringConvertible {
    /// The token string prefix.
    public static let prefix = "drv_"

    /// The public short id, as shown by `drover token list`.
    public let id: String
    /// The secret part; only its hash is ever stored.
    public let secret: String

    /// Parses `drv_<id>_<secret>`, ignoring surrounding whitespace.
    ///
    /// - Throws: ``StoreError/malformedToken(reason:)`` when the shape is wrong.
    public init(parsing text: String) throws(StoreError) {
        let parts = try TokenText.parse(text, prefix: Self.prefix, kind: "join token")
        self.id = parts.id
        self.secret = parts.secret
    }

    /// The full token string to hand to an operator.
    public var tokenString: String {
        "\(Self.prefix)\(id)_\(secret)"
    }

    /// The id with the secret redacted.
    public var description: String {
        "\(Self.prefix)\(id)_<redacted>"
    }

    /// Creates a fresh token and the record to store for it.
    ///
    /// - Parameters:
    ///   - now: Creation time, Unix milliseconds.
    ///   - ttl: How long the token stays valid; must be positive.
    ///   - uses: Maximum redemptions, or `nil` for unlimited; must be at least 1.
    ///   - labels: Labels given to hosts that join with this token.
    ///   - hasher: Must be the hasher of the store that will redeem the token.
    public static func generate(
        now: Int64,
        ttl: Duration,
        uses: Int?,
        labels: [String: String] = [:],
        hasher: any SecretHasher = SHA256Hasher()
    ) throws(StoreError) -> IssuedJoinToken {
        var generator = SystemRandomNumberGenerator()
        return try generate(now: now, ttl: ttl, uses: uses, labels: labels, hasher: hasher, using: &generator)
    }

    /// ``generate(now:ttl:uses:labels:hasher:)`` with a caller-chosen random source.
    public static func generate(
        now: Int64,
        ttl: Duration,
        uses: Int?,
        labels: [String: String] = [:],
        hasher: any SecretHasher = SHA256Hasher(),
        using generator: inout some RandomNumberGenerator
    ) throws(StoreError) -> IssuedJoinToken {
        let ttlMilliseconds = ttl.milliseconds
        guard ttlMilliseconds > 0 else {
            throw .invalidArgument("join token ttl must be positive")
        }
        if let uses, uses < 1 {
            throw .invalidArgument("join token uses must be at least 1 (or unlimited)")
        }
        let token = JoinToken(
            id: TokenText.random(count: TokenText.idLength, from: TokenText.idAlphabet, using: &generator),
            secret: TokenText.random(count: TokenText.secretLength, from: TokenText.secretAlphabet, using: &generator)
        )
        let record = JoinTokenRecord(
            id: token.id,
            secretHash: hasher.hexDigest(token.secret),
            labels: labels,
            createdAt: now,
            expiresAt: now.addingReportingOverflow(ttlMilliseconds).overflow ? Int64.max : now + ttlMilliseconds,
            maxUses: uses,
            uses: 0,
            revokedAt: nil
        )
        return IssuedJoinToken(token: token, record: record)
    }

    private init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }
}

/// A newly created join token: the plaintext (shown once) and the stored record.
public struct IssuedJoinToken: Sendable, CustomStringConvertible, CustomReflectable {
    /// The parsed token; `token.tokenString` is the text to give the operator.
    public let token: JoinToken
    /// What the store keeps (the secret's hash, never the secret).
    public let record: JoinTokenRecord

    /// The full token string, `drv_<id>_<secret>`.
    public var tokenString: String { token.tokenString }

    /// The record, with the secret redacted.
    public var description: String {
        "IssuedJoinToken(\(token), expiresAt: \(record.expiresAt))"
    }

    /// Reflection shows no secret either (`dump`, debuggers).
    public var customMirror: Mirror {
        Mirror(self, children: ["token": token.description, "record": record])
    }
}

extension Duration {
    /// Whole milliseconds, rounded toward zero, saturating at `Int64.max`.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (fromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow {
            return seconds < 0 ? Int64.min : Int64.max
        }
        return fromSeconds + attoseconds / 1_000_000_000_000_000
    }
}
