import GRDB

extension StoreMigrations {
    /// API token expiry, and the audit log: who did what, from where, with what outcome.
    ///
    /// `count` is more than 1 only on an aggregated row (unauthenticated refusals from one
    /// source within one window), so a flood of bad requests costs one row a minute, not one each.
    static func v5(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;

                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('token', 'host', 'system', 'anonymous')),
                    actor_id TEXT,
                    actor_name TEXT,
                    source_address TEXT,
                    action TEXT NOT NULL CHECK (length(action) > 0),
                    target TEXT,
                    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
                    status INTEGER,
                    reason TEXT,
                    request_id TEXT,
                    count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
                    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
                ) STRICT;
                CREATE INDEX audit_at ON audit(at);
                """
        )
    }
}
