import GRDB

/// The versioned schema: `v1` creates hosts, tokens, certificates and events; `v2` services,
/// their version history and rollouts; `v3` the parts of an unfinished rollout's state; `v4`
/// each rollout's strategy (rolling, canary, blue-green: which state machine its state belongs to);
/// `v5` API token expiry and the audit log.
///
/// Later versions append migrations (`v2` for rollouts and services, …); an applied
/// migration is never edited. A database that lists migrations not known here was written
/// by a newer Drover and is refused before anything is changed.
enum StoreMigrations {
    /// The migrator with every known migration registered, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: v1)
        migrator.registerMigration("v2", migrate: v2)
        migrator.registerMigration("v3", migrate: v3)
        migrator.registerMigration("v4", migrate: v4)
        migrator.registerMigration("v5", migrate: v5)
        return migrator
    }

    /// Identifiers of the known migrations, in order.
    static var identifiers: [String] { migrator.migrations }

    /// Applied migration identifiers that this build does not know, sorted.
    static func unknownApplied(_ db: Database) throws -> [String] {
        let known = Set(identifiers)
        return try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
    }

    private static func v1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE hosts (
                    id TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL CHECK (length(name) > 0),
                    address TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('ready', 'lost', 'drained', 'removed')),
                    labels TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(labels)),
                    agent_version TEXT NOT NULL,
                    cert_fingerprint TEXT,
                    enrolled_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    removed_at INTEGER
                ) STRICT;
                -- Names are unique among live hosts; a removed host's name can be reused.
                CREATE UNIQUE INDEX hosts_live_name ON hosts(name) WHERE state <> 'removed';

                CREATE TABLE join_tokens (
                    id TEXT NOT NULL PRIMARY KEY,
                    secret_hash TEXT NOT NULL,
                    labels TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(labels)),
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    max_uses INTEGER CHECK (max_uses IS NULL OR max_uses > 0),
                    uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
                    revoked_at INTEGER
                ) STRICT;

                CREATE TABLE certificates (
                    serial TEXT NOT NULL PRIMARY KEY,
                    host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE RESTRICT,
                    fingerprint TEXT NOT NULL UNIQUE,
                    not_before INTEGER NOT NULL,
                    not_after INTEGER NOT NULL,
                    issued_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    revoke_reason TEXT
                ) STRICT;
                CREATE INDEX certificates_host ON certificates(host_id);
                CREATE INDEX certificates_revoked ON certificates(revoked_at) WHERE revoked_at IS NOT NULL;

                CREATE TABLE api_tokens (
                    id TEXT NOT NULL PRIMARY KEY,
                    name TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER,
                    revoked_at INTEGER
                ) STRICT;

                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
                    host_id TEXT REFERENCES hosts(id) ON DELETE SET NULL,
                    message TEXT NOT NULL,
                    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
                ) STRICT;
                CREATE INDEX events_at ON events(at);
                CREATE INDEX events_host_at ON events(host_id, at);
                """
        )
    }

    /// Services, the versions each was deployed with, and rollouts. Specs and rollout states are
    /// JSON text written by the controller; the store does not interpret them.
    private static func v2(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE services (
                    name TEXT NOT NULL PRIMARY KEY CHECK (length(name) > 0),
                    current_version TEXT,
                    spec TEXT NOT NULL CHECK (json_valid(spec)),
                    updated_at INTEGER NOT NULL
                ) STRICT;

                CREATE TABLE service_versions (
                    service TEXT NOT NULL REFERENCES services(name) ON DELETE CASCADE,
                    version TEXT NOT NULL CHECK (length(version) > 0),
                    spec TEXT NOT NULL CHECK (json_valid(spec)),
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (service, version)
                ) STRICT;
                CREATE INDEX service_versions_created ON service_versions(service, created_at);

                CREATE TABLE rollouts (
                    id TEXT NOT NULL PRIMARY KEY,
                    service TEXT NOT NULL REFERENCES services(name) ON DELETE CASCADE,
                    from_version TEXT NOT NULL,
                    to_version TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
                    state TEXT NOT NULL CHECK (json_valid(state)),
                    phase TEXT NOT NULL,
                    outcome TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    finished_at INTEGER,
                    rollback_duration_ms INTEGER,
                    report TEXT CHECK (report IS NULL OR json_valid(report))
                ) STRICT;
                -- At most one unfinished rollout per service.
                CREATE UNIQUE INDEX rollouts_active_service ON rollouts(service) WHERE finished_at IS NULL;
                CREATE INDEX rollouts_service_created ON rollouts(service, created_at);
                """
        )
    }

    /// An unfinished rollout's state in parts (its plan, its progress, its rollback report, one
    /// per target host), so persisting a transition writes only the small parts it changed: a
    /// 1,000-host rollout's whole state is about 200 KB of JSON, its plan alone about 40 KB.
    private static func v3(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE rollout_parts (
                    rollout_id TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
                    part TEXT NOT NULL CHECK (length(part) > 0),
                    state TEXT NOT NULL,
                    PRIMARY KEY (rollout_id, part)
                ) STRICT;
                """
        )
    }

    /// The strategy a rollout runs: its state is a rolling rollout's or a canary/blue-green
    /// one's. Rollouts stored before this migration were all rolling.
    private static func v4(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE rollouts ADD COLUMN strategy TEXT NOT NULL DEFAULT 'rolling'
                    CHECK (strategy IN ('rolling', 'canary', 'blue-green'));
                """
        )
    }
}
