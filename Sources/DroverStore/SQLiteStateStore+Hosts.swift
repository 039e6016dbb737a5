import GRDB

extension SQLiteStateStore {
    /// Stores a new host.
    public func insertHost(_ host: HostRecord) throws(StoreError) {
        try write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO hosts (id, name, address, state, labels, agent_version, cert_fingerprint,
                                           enrolled_at, last_seen_at, removed_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        host.id, host.name, host.address, host.state.rawValue, try LabelsJSON.encode(host.labels),
                        host.agentVersion, host.certFingerprint?.lowercased(), host.enrolledAt, host.lastSeenAt,
                        host.removedAt,
                    ]
                )
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw StoreError.invalidArgument("host id \(host.id) already exists")
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.duplicateHostName(host.name)
            }
        }
    }

    /// The host with this id, removed ones included.
    public func host(id: String) throws(StoreError) -> HostRecord? {
        try read { db in try Self.fetchHost(db, id: id) }
    }

    /// The host with this name that is not removed.
    public func host(named name: String) throws(StoreError) -> HostRecord? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT \(HostRecord.columns) FROM hosts WHERE name = ? AND state <> 'removed'",
                arguments: [name]
            ).map(HostRecord.init(row:))
        }
    }

    /// All hosts ordered by name (then id), removed ones only when asked.
    public func listHosts(includeRemoved: Bool) throws(StoreError) -> [HostRecord] {
        try read { db in
            let filter = includeRemoved ? "" : "WHERE state <> 'removed'"
            return try Row.fetchAll(db, sql: "SELECT \(HostRecord.columns) FROM hosts \(filter) ORDER BY name, id")
                .map(HostRecord.init(row:))
        }
    }

    /// Changes a host's state; removal also revokes its certificates in the same transaction.
    public func updateHostState(id: String, to state: HostState, now: Int64) throws(StoreError) -> HostRecord {
        try write { db in
            let current = try Self.requireHost(db, id: id)
            guard current.state != .removed else {
                if state == .removed {
                    return current
                }
                throw StoreError.hostRemoved(id)
            }
            if state == .removed {
                try db.execute(
                    sql: "UPDATE hosts SET state = 'removed', removed_at = ? WHERE id = ?",
                    arguments: [now, id]
                )
                try Self.revokeCertificates(db, hostID: id, reason: "host removed", now: now)
            } else {
                try db.execute(sql: "UPDATE hosts SET state = ? WHERE id = ?", arguments: [state.rawValue, id])
            }
            return try Self.requireHost(db, id: id)
        }
    }

    /// Records a heartbeat: `lastSeenAt`, and the address and agent version when given.
    public func recordHostSeen(
        id: String,
        now: Int64,
        address: String?,
        agentVersion: String?
    ) throws(StoreError) -> HostRecord {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE hosts SET last_seen_at = ?, address = coalesce(?, address),
                                     agent_version = coalesce(?, agent_version)
                    WHERE id = ?
                    """,
                arguments: [now, address, agentVersion, id]
            )
            guard db.changesCount > 0 else {
                throw StoreError.hostNotFound(id)
            }
            return try Self.requireHost(db, id: id)
        }
    }

    /// Moves `last_seen_at` forward for many hosts in one transaction (never backwards; unknown
    /// ids are skipped).
    public func recordHostsSeen(_ seen: [String: Int64]) throws(StoreError) {
        guard !seen.isEmpty else { return }
        try write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE hosts SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?")
            for (id, at) in seen {
                try statement.execute(arguments: [at, id, at])
            }
        }
    }

    /// Records sessions that opened in one transaction (a reconnecting fleet costs one commit
    /// per batch, not three per host).
    public func recordHostsConnected(_ starts: [HostSessionStart]) throws(StoreError) -> [HostRecord?] {
        guard !starts.isEmpty else { return [] }
        guard starts.allSatisfy({ !$0.event.kind.isEmpty }) else {
            throw .invalidArgument("event kind must not be empty")
        }
        return try write { db in
            let seen = try db.cachedStatement(
                sql: "UPDATE hosts SET last_seen_at = ?, address = ?, agent_version = ? WHERE id = ?")
            let revive = try db.cachedStatement(sql: "UPDATE hosts SET state = 'ready' WHERE id = ? AND state = 'lost'")
            let append = try db.cachedStatement(
                sql: "INSERT INTO events (at, kind, severity, host_id, message, details) VALUES (?, ?, ?, ?, ?, ?)")
            var records: [HostRecord?] = []
            records.reserveCapacity(starts.count)
            for start in starts {
                try seen.execute(arguments: [start.at, start.address, start.agentVersion, start.hostID])
                guard db.changesCount > 0 else {
                    records.append(nil)
                    continue
                }
                try revive.execute(arguments: [start.hostID])
                let event = start.event
                try append.execute(arguments: [
                    event.at, event.kind, event.severity.rawValue, event.hostID, event.message,
                    try LabelsJSON.encode(event.details),
                ])
                records.append(try Self.fetchHost(db, id: start.hostID))
            }
            return records
        }
    }

    /// Replaces a host's labels.
    public func setHostLabels(id: String, labels: [String: String]) throws(StoreError) -> HostRecord {
        try write { db in
            try db.execute(
                sql: "UPDATE hosts SET labels = ? WHERE id = ?",
                arguments: [try LabelsJSON.encode(labels), id]
            )
            guard db.changesCount > 0 else {
                throw StoreError.hostNotFound(id)
            }
            return try Self.requireHost(db, id: id)
        }
    }

    static func fetchHost(_ db: Database, id: String) throws -> HostRecord? {
        // Cached: every agent connection looks its host up (authentication, session start).
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(HostRecord.columns) FROM hosts WHERE id = ?"), arguments: [id]
        )
        .map(HostRecord.init(row:))
    }

    static func requireHost(_ db: Database, id: String) throws -> HostRecord {
        guard let host = try fetchHost(db, id: id) else {
            throw StoreError.hostNotFound(id)
        }
        return host
    }
}

extension HostRecord {
    /// The columns `init(row:)` reads, in table order.
    static let columns =
        "id, name, address, state, labels, agent_version, cert_fingerprint, enrolled_at, last_seen_at, removed_at"

    /// Decodes a `hosts` row.
    init(row: Row) throws {
        let stateText = try row.decode(String.self, forColumn: "state")
        guard let state = HostState(rawValue: stateText) else {
            throw StoreError.corruptRecord("hosts.state has unknown value \(stateText)")
        }
        self.init(
            id: try row.decode(forColumn: "id"),
            name: try row.decode(forColumn: "name"),
            address: try row.decode(forColumn: "address"),
            state: state,
            labels: try LabelsJSON.decode(try row.decode(forColumn: "labels"), column: "hosts.labels"),
            agentVersion: try row.decode(forColumn: "agent_version"),
            certFingerprint: try row.decode(forColumn: "cert_fingerprint"),
            enrolledAt: try row.decode(forColumn: "enrolled_at"),
            lastSeenAt: try row.decode(forColumn: "last_seen_at"),
            removedAt: try row.decode(forColumn: "removed_at")
        )
    }
}
