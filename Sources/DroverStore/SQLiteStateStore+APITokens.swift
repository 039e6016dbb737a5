import GRDB

extension SQLiteStateStore {
    /// `lastUsedAt` is written at most this often per token, so reads stay reads.
    public static let apiTokenTouchIntervalMilliseconds: Int64 = 60_000

    /// Creates an API token that expires at `expiresAt` (nil: never); the plaintext
    /// `drv_api_<id>_<secret>` is returned once.
    ///
    /// - Throws: ``StoreError/invalidArgument(_:)`` for a bad name (``APITokenPolicy``) or an
    ///   expiry not after `now`; ``StoreError/duplicateAPITokenName(_:)`` when an active token
    ///   has the name (checked in the same write transaction).
    public func createAPIToken(
        name: String, role: APIRole, expiresAt: Int64?, now: Int64
    ) throws(StoreError) -> IssuedAPIToken {
        try APITokenPolicy.validate(name: name)
        if let expiresAt, expiresAt <= now {
            throw .invalidArgument("API token expiry must be after its creation")
        }
        var generator = SystemRandomNumberGenerator()
        let token = APIToken(using: &generator)
        let record = APITokenRecord(
            id: token.id,
            name: name,
            secretHash: hasher.hexDigest(token.secret),
            role: role,
            createdAt: now,
            expiresAt: expiresAt
        )
        try write { db in
            let taken = try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM api_tokens WHERE name = ? AND revoked_at IS NULL
                        AND (expires_at IS NULL OR expires_at > ?))
                    """,
                arguments: [name, now]) ?? false
            guard !taken else { throw StoreError.duplicateAPITokenName(name) }
            try db.execute(
                sql: """
                    INSERT INTO api_tokens (id, name, secret_hash, role, created_at, last_used_at, revoked_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)
                    """,
                arguments: [
                    record.id, record.name, record.secretHash, record.role.rawValue, record.createdAt, record.expiresAt,
                ]
            )
        }
        return IssuedAPIToken(token: token, record: record)
    }

    /// Checks a bearer token and returns its record; touches `lastUsedAt` at most once a minute.
    public func authenticateAPIToken(_ token: String, now: Int64) throws(StoreError) -> APITokenRecord {
        let parsed = try APIToken(parsing: token)
        let presentedHash = hasher.hexDigest(parsed.secret)
        // Read first: most requests need no write at all.
        guard let record = try read({ db in try Self.fetchAPIToken(db, id: parsed.id) }),
            Hex.constantTimeEquals(record.secretHash, presentedHash)
        else {
            throw .unknownAPIToken
        }
        guard record.revokedAt == nil else {
            throw .apiTokenRevoked
        }
        if let expiresAt = record.expiresAt, now >= expiresAt {
            throw .apiTokenExpired(at: expiresAt)
        }
        let threshold = now - Self.apiTokenTouchIntervalMilliseconds
        if let lastUsed = record.lastUsedAt, lastUsed > threshold {
            return record
        }
        let touched = try write { db in
            try db.execute(
                sql: """
                    UPDATE api_tokens SET last_used_at = ?
                    WHERE id = ? AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at <= ?)
                    """,
                arguments: [now, record.id, threshold]
            )
            return try Self.fetchAPIToken(db, id: record.id)
        }
        return touched ?? record
    }

    /// All API tokens, oldest first.
    public func listAPITokens() throws(StoreError) -> [APITokenRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(APITokenRecord.columns) FROM api_tokens ORDER BY created_at, id")
                .map(APITokenRecord.init(row:))
        }
    }

    /// The API token with this id.
    public func apiToken(id: String) throws(StoreError) -> APITokenRecord? {
        try read { db in try Self.fetchAPIToken(db, id: id) }
    }

    /// Revokes an API token; an already revoked token keeps its first revocation time.
    ///
    /// With `sparingLastAdmin`, revoking the only admin token active at `now` is refused with
    /// ``StoreError/lastAdminToken(_:)``, checked in the same write transaction so two admins
    /// revoking each other cannot both succeed.
    public func revokeAPIToken(id: String, now: Int64, sparingLastAdmin: Bool) throws(StoreError) -> APITokenRecord {
        try write { db in
            guard let record = try Self.fetchAPIToken(db, id: id) else {
                throw StoreError.apiTokenNotFound(id)
            }
            guard record.revokedAt == nil else { return record }
            if sparingLastAdmin, record.role == .admin, record.status(now: now) == .active {
                let others = try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM api_tokens WHERE role = 'admin' AND id <> ? AND revoked_at IS NULL
                            AND (expires_at IS NULL OR expires_at > ?)
                        """,
                    arguments: [id, now]) ?? 0
                guard others > 0 else { throw StoreError.lastAdminToken(id) }
            }
            try db.execute(sql: "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", arguments: [now, id])
            return try Self.fetchAPIToken(db, id: id) ?? record
        }
    }

    static func fetchAPIToken(_ db: Database, id: String) throws -> APITokenRecord? {
        try Row.fetchOne(db, sql: "SELECT \(APITokenRecord.columns) FROM api_tokens WHERE id = ?", arguments: [id])
            .map(APITokenRecord.init(row:))
    }
}

extension APITokenRecord {
    /// The columns `init(row:)` reads.
    static let columns = "id, name, secret_hash, role, created_at, last_used_at, revoked_at, expires_at"

    /// Decodes an `api_tokens` row.
    init(row: Row) throws {
        let roleText = try row.decode(String.self, forColumn: "role")
        guard let role = APIRole(rawValue: roleText) else {
            throw StoreError.corruptRecord("api_tokens.role has unknown value \(roleText)")
        }
        self.init(
            id: try row.decode(forColumn: "id"),
            name: try row.decode(forColumn: "name"),
            secretHash: try row.decode(forColumn: "secret_hash"),
            role: role,
            createdAt: try row.decode(forColumn: "created_at"),
            lastUsedAt: try row.decode(forColumn: "last_used_at"),
            revokedAt: try row.decode(forColumn: "revoked_at"),
            expiresAt: try row.decode(forColumn: "expires_at")
        )
    }
}
