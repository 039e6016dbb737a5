import GRDB

extension SQLiteStateStore {
    /// Generates a join token with the store's hasher and stores it; the plaintext is returned once.
    public func createJoinToken(
        ttl: Duration,
        uses: Int?,
        labels: [String: String],
        now: Int64
    ) throws(StoreError) -> IssuedJoinToken {
        let issued = try JoinToken.generate(now: now, ttl: ttl, uses: uses, labels: labels, hasher: hasher)
        try insertJoinToken(issued.record)
        return issued
    }

    /// Stores a join token record.
    public func insertJoinToken(_ record: JoinTokenRecord) throws(StoreError) {
        try write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO join_tokens (id, secret_hash, labels, created_at, expires_at, max_uses, uses, revoked_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        record.id, record.secretHash, try LabelsJSON.encode(record.labels), record.createdAt,
                        record.expiresAt, record.maxUses, record.uses, record.revokedAt,
                    ]
                )
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw StoreError.duplicateJoinToken(record.id)
            }
        }
    }

    /// The join token with this public id.
    public func joinToken(id: String) throws(StoreError) -> JoinTokenRecord? {
        try read { db in try Self.fetchJoinToken(db, id: id) }
    }

    /// All join tokens, oldest first.
    public func listJoinTokens() throws(StoreError) -> [JoinTokenRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(JoinTokenRecord.columns) FROM join_tokens ORDER BY created_at, id")
                .map(JoinTokenRecord.init(row:))
        }
    }

    /// Revokes a join token; an already revoked token keeps its first revocation time.
    public func revokeJoinToken(id: String, now: Int64) throws(StoreError) -> JoinTokenRecord {
        try write { db in
            try db.execute(
                sql: "UPDATE join_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                arguments: [now, id]
            )
            guard let record = try Self.fetchJoinToken(db, id: id) else {
                throw StoreError.joinTokenNotFound(id)
            }
            return record
        }
    }

    /// Checks and consumes one use of a join token in one immediate write transaction.
    public func redeemJoinToken(token: String, now: Int64) throws(StoreError) -> JoinTokenRecord {
        let parsed = try JoinToken(parsing: token)
        // Hash outside the transaction: the write lock is held only for the check and update.
        let presentedHash = hasher.hexDigest(parsed.secret)
        return try write { db in
            guard let record = try Self.fetchJoinToken(db, id: parsed.id),
                Hex.constantTimeEquals(record.secretHash, presentedHash)
            else {
                throw StoreError.unknownToken
            }
            if let refusal = record.refusal(now: now) {
                throw refusal
            }
            try db.execute(sql: "UPDATE join_tokens SET uses = uses + 1 WHERE id = ?", arguments: [record.id])
            var redeemed = record
            redeemed.uses += 1
            return redeemed
        }
    }

    static func fetchJoinToken(_ db: Database, id: String) throws -> JoinTokenRecord? {
        try Row.fetchOne(db, sql: "SELECT \(JoinTokenRecord.columns) FROM join_tokens WHERE id = ?", arguments: [id])
            .map(JoinTokenRecord.init(row:))
    }
}

extension JoinTokenRecord {
    /// The columns `init(row:)` reads.
    static let columns = "id, secret_hash, labels, created_at, expires_at, max_uses, uses, revoked_at"

    /// Decodes a `join_tokens` row.
    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            secretHash: try row.decode(forColumn: "secret_hash"),
            labels: try LabelsJSON.decode(try row.decode(forColumn: "labels"), column: "join_tokens.labels"),
            createdAt: try row.decode(forColumn: "created_at"),
            expiresAt: try row.decode(forColumn: "expires_at"),
            maxUses: try row.decode(forColumn: "max_uses"),
            uses: try row.decode(forColumn: "uses"),
            revokedAt: try row.decode(forColumn: "revoked_at")
        )
    }
}
