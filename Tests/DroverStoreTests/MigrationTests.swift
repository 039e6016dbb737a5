import Testing

@testable import DroverStore

@Suite("Opening and migrations")
struct MigrationTests {
    @Test("a fresh database reaches v5 with WAL and foreign keys on")
    func freshDatabase() throws {
        try withTempDirectory { directory in
            let store = try SQLiteStateStore(path: "\(directory)/state.db")
            #expect(try store.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
            #expect(try store.schemaVersion() == 5)
            #expect(SQLiteStateStore.knownMigrations == ["v1", "v2", "v3", "v4", "v5"])
            #expect(try store.scalarText("PRAGMA journal_mode") == "wal")
            #expect(try store.scalarText("PRAGMA foreign_keys") == "1")
            let tables = try store.scalarText(
                "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' "
                    + "AND name NOT LIKE 'sqlite_%' ORDER BY name)"
            )
            #expect(
                tables
                    == "api_tokens,audit,certificates,events,grdb_migrations,hosts,join_tokens,rollout_parts,rollouts,service_versions,services"
            )
        }
    }

    @Test("the database file and its WAL are created with mode 0600")
    func fileMode() throws {
        try withTempDirectory { directory in
            let path = "\(directory)/state.db"
            let store = try SQLiteStateStore(path: path)
            _ = try store.appendEvent(NewEvent(at: t0, kind: "test.write", message: "force a WAL write"))
            #expect(try permissionBits(path) == 0o600)
            #expect(fileExists("\(path)-wal"))
            #expect(try permissionBits("\(path)-wal") == 0o600)
        }
    }

    @Test("a missing parent directory is a typed error and creates nothing")
    func missingDirectory() throws {
        try withTempDirectory { directory in
            let error = storeError { try SQLiteStateStore(path: "\(directory)/absent/state.db") }
            #expect(error == .directoryMissing("\(directory)/absent"))
            #expect(!fileExists("\(directory)/absent"))
        }
    }

    @Test("reopening a real file keeps the data")
    func reopenKeepsData() throws {
        try withTempDirectory { directory in
            let path = "\(directory)/state.db"
            do {
                let store = try SQLiteStateStore(path: path)
                try store.insertHost(
                    HostRecord(
                        id: "h-one", name: "web-1", address: "10.0.0.1", agentVersion: "0.1.0", enrolledAt: t0,
                        lastSeenAt: t0))
                try store.close()
            }
            let reopened = try SQLiteStateStore(path: path)
            #expect(try reopened.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
            #expect(try reopened.host(id: "h-one")?.name == "web-1")
            #expect(try reopened.listHosts().map(\.id) == ["h-one"])
        }
    }

    @Test("a database with an unknown (newer) migration is refused and left byte-for-byte untouched")
    func newerSchema() throws {
        try withTempDirectory { directory in
            let path = "\(directory)/state.db"
            do {
                let store = try SQLiteStateStore(path: path)
                try store.insertHost(
                    HostRecord(
                        id: "h-one", name: "web-1", address: "10.0.0.1", agentVersion: "0.9.0", enrolledAt: t0,
                        lastSeenAt: t0))
                try store.executeRaw("INSERT INTO grdb_migrations (identifier) VALUES ('v2-rollouts'), ('v3-services')")
                try store.close()
            }
            let before = try fileBytes(path)
            // close() checkpointed: the host row lives in the main file, not only in -wal.
            #expect(contains([before], "web-1"))
            let error = storeError { try SQLiteStateStore(path: path) }
            #expect(error == .newerSchema(unknownMigrations: ["v2-rollouts", "v3-services"]))
            #expect(error?.description.contains("v2-rollouts, v3-services") == true)
            // Compare digests: a failing byte-array comparison would print megabytes.
            #expect(Hex.encode(SHA256.hash(try fileBytes(path))) == Hex.encode(SHA256.hash(before)))
            #expect(try fileBytes(path).count == before.count)
        }
    }

    @Test("the in-memory variant migrates too")
    func inMemory() throws {
        let store = try SQLiteStateStore.inMemory()
        #expect(try store.schemaVersion() == 5)
        #expect(try store.listHosts(includeRemoved: true).isEmpty)
    }
}
