import GRDB

extension SQLiteStateStore {
    // MARK: Services

    /// Every service, ordered by name.
    public func listServices() throws(StoreError) -> [ServiceRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(ServiceRecord.columns) FROM services ORDER BY name")
                .map(ServiceRecord.init(row:))
        }
    }

    /// The service with this name.
    public func service(named name: String) throws(StoreError) -> ServiceRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(ServiceRecord.columns) FROM services WHERE name = ?", arguments: [name])
                .map(ServiceRecord.init(row:))
        }
    }

    /// Records a version, creating the service if it is new; the same spec again is a no-op.
    public func recordServiceVersion(_ version: ServiceVersionRecord) throws(StoreError) {
        guard !version.service.isEmpty, !version.version.isEmpty else {
            throw .invalidArgument("service and version must not be empty")
        }
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO services (name, current_version, spec, updated_at) VALUES (?, NULL, ?, ?)
                    ON CONFLICT (name) DO NOTHING
                    """,
                arguments: [version.service, version.specJSON, version.createdAt])
            let existing = try String.fetchOne(
                db, sql: "SELECT spec FROM service_versions WHERE service = ? AND version = ?",
                arguments: [version.service, version.version])
            if let existing {
                guard existing == version.specJSON else {
                    throw StoreError.serviceVersionConflict(service: version.service, version: version.version)
                }
                return
            }
            try db.execute(
                sql: "INSERT INTO service_versions (service, version, spec, created_at) VALUES (?, ?, ?, ?)",
                arguments: [version.service, version.version, version.specJSON, version.createdAt])
        }
    }

    /// One version of a service.
    public func serviceVersion(service: String, version: String) throws(StoreError) -> ServiceVersionRecord? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT \(ServiceVersionRecord.columns) FROM service_versions WHERE service = ? AND version = ?",
                arguments: [service, version]
            ).map(ServiceVersionRecord.init(row:))
        }
    }

    /// A service's versions, newest first (insertion order breaks ties).
    public func listServiceVersions(service: String) throws(StoreError) -> [ServiceVersionRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(ServiceVersionRecord.columns) FROM service_versions WHERE service = ?
                    ORDER BY created_at DESC, rowid DESC
                    """,
                arguments: [service]
            ).map(ServiceVersionRecord.init(row:))
        }
    }

    // MARK: Rollouts

    /// Stores a new rollout and its state's parts; at most one rollout per service may be unfinished.
    public func insertRollout(_ rollout: RolloutRecord, parts: [RolloutPart]) throws(StoreError) {
        try write { db in
            guard
                try Bool.fetchOne(db, sql: "SELECT 1 FROM services WHERE name = ?", arguments: [rollout.service]) != nil
            else {
                throw StoreError.serviceNotFound(rollout.service)
            }
            if rollout.finishedAt == nil,
                let active = try String.fetchOne(
                    db, sql: "SELECT id FROM rollouts WHERE service = ? AND finished_at IS NULL",
                    arguments: [rollout.service])
            {
                throw StoreError.activeRolloutExists(service: rollout.service, rolloutID: active)
            }
            do {
                try db.execute(
                    sql: """
                        INSERT INTO rollouts (\(RolloutRecord.columns))
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: rollout.arguments)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw StoreError.invalidArgument("rollout id \(rollout.id) already exists")
            }
            try Self.writeParts(db, rolloutID: rollout.id, parts)
        }
    }

    /// Replaces a rollout's row and writes the given parts.
    public func updateRollout(_ rollout: RolloutRecord, parts: [RolloutPart]) throws(StoreError) {
        try write { db in
            try Self.replaceRollout(db, rollout)
            try Self.writeParts(db, rolloutID: rollout.id, parts)
        }
    }

    /// Writes parts of an unfinished rollout.
    public func writeRolloutParts(_ parts: [RolloutPart], rolloutID: String) throws(StoreError) {
        try write { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM rollouts WHERE id = ? AND finished_at IS NULL", arguments: [rolloutID])
                    != nil
            else {
                throw StoreError.rolloutNotFound(rolloutID)
            }
            try Self.writeParts(db, rolloutID: rolloutID, parts)
        }
    }

    /// The parts of a rollout's state.
    public func rolloutParts(id: String) throws(StoreError) -> [RolloutPart] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT part, state FROM rollout_parts WHERE rollout_id = ?", arguments: [id])
                .map {
                    RolloutPart(name: try $0.decode(forColumn: "part"), stateJSON: try $0.decode(forColumn: "state"))
                }
        }
    }

    /// Replaces a finished rollout's row, drops its parts and sets the service's current
    /// version, atomically.
    public func finishRollout(_ rollout: RolloutRecord, currentVersion: String?) throws(StoreError) {
        try write { db in
            try Self.replaceRollout(db, rollout)
            try db.execute(sql: "DELETE FROM rollout_parts WHERE rollout_id = ?", arguments: [rollout.id])
            guard let currentVersion else { return }
            guard
                let spec = try String.fetchOne(
                    db, sql: "SELECT spec FROM service_versions WHERE service = ? AND version = ?",
                    arguments: [rollout.service, currentVersion])
            else {
                throw StoreError.invalidArgument("version \(currentVersion) of \(rollout.service) was never recorded")
            }
            try db.execute(
                sql: "UPDATE services SET current_version = ?, spec = ?, updated_at = ? WHERE name = ?",
                arguments: [currentVersion, spec, rollout.finishedAt ?? rollout.updatedAt, rollout.service])
        }
    }

    /// The rollout with this id.
    public func rollout(id: String) throws(StoreError) -> RolloutRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(RolloutRecord.columns) FROM rollouts WHERE id = ?", arguments: [id])
                .map(RolloutRecord.init(row:))
        }
    }

    /// Rollouts matching `query`, newest first.
    public func listRollouts(_ query: RolloutQuery) throws(StoreError) -> [RolloutRecord] {
        guard query.limit >= 0 else { throw .invalidArgument("rollout limit must not be negative") }
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let service = query.service {
            conditions.append("service = ?")
            arguments += [service]
        }
        if query.activeOnly { conditions.append("finished_at IS NULL") }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [query.limit]
        return try read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT \(RolloutRecord.columns) FROM rollouts \(filter) ORDER BY created_at DESC, rowid DESC LIMIT ?",
                arguments: arguments
            ).map(RolloutRecord.init(row:))
        }
    }

    private static func writeParts(_ db: Database, rolloutID: String, _ parts: [RolloutPart]) throws {
        guard !parts.isEmpty else { return }
        let statement = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO rollout_parts (rollout_id, part, state) VALUES (?, ?, ?)")
        for part in parts {
            guard !part.name.isEmpty else { throw StoreError.invalidArgument("a rollout state part needs a name") }
            try statement.execute(arguments: [rolloutID, part.name, part.stateJSON])
        }
    }

    private static func replaceRollout(_ db: Database, _ rollout: RolloutRecord) throws {
        try db.execute(
            sql: """
                UPDATE rollouts SET state = ?, phase = ?, outcome = ?, updated_at = ?, finished_at = ?,
                    rollback_duration_ms = ?, report = ?
                WHERE id = ?
                """,
            arguments: [
                rollout.stateJSON, rollout.phase, rollout.outcome, rollout.updatedAt, rollout.finishedAt,
                rollout.rollbackDurationMs, rollout.reportJSON, rollout.id,
            ])
        guard db.changesCount == 1 else { throw StoreError.rolloutNotFound(rollout.id) }
    }
}

extension ServiceRecord {
    static let columns = "name, current_version, spec, updated_at"

    init(row: Row) throws {
        self.init(
            name: try row.decode(forColumn: "name"), currentVersion: try row.decode(forColumn: "current_version"),
            specJSON: try row.decode(forColumn: "spec"), updatedAt: try row.decode(forColumn: "updated_at"))
    }
}

extension ServiceVersionRecord {
    static let columns = "service, version, spec, created_at"

    init(row: Row) throws {
        self.init(
            service: try row.decode(forColumn: "service"), version: try row.decode(forColumn: "version"),
            specJSON: try row.decode(forColumn: "spec"), createdAt: try row.decode(forColumn: "created_at"))
    }
}

extension RolloutRecord {
    static let columns = """
        id, service, from_version, to_version, kind, state, phase, outcome, created_at, updated_at, finished_at, \
        rollback_duration_ms, report, strategy
        """

    var arguments: StatementArguments {
        [
            id, service, fromVersion, toVersion, kind.rawValue, stateJSON, phase, outcome, createdAt, updatedAt,
            finishedAt, rollbackDurationMs, reportJSON, strategy.rawValue,
        ]
    }

    init(row: Row) throws {
        let kindText = try row.decode(String.self, forColumn: "kind")
        guard let kind = RolloutKind(rawValue: kindText) else {
            throw StoreError.corruptRecord("rollouts.kind has unknown value \(kindText)")
        }
        let strategyText = try row.decode(String.self, forColumn: "strategy")
        guard let strategy = RolloutStrategyName(rawValue: strategyText) else {
            throw StoreError.corruptRecord("rollouts.strategy has unknown value \(strategyText)")
        }
        self.init(
            id: try row.decode(forColumn: "id"), service: try row.decode(forColumn: "service"),
            fromVersion: try row.decode(forColumn: "from_version"), toVersion: try row.decode(forColumn: "to_version"),
            kind: kind, stateJSON: try row.decode(forColumn: "state"), phase: try row.decode(forColumn: "phase"),
            outcome: try row.decode(forColumn: "outcome"), createdAt: try row.decode(forColumn: "created_at"),
            updatedAt: try row.decode(forColumn: "updated_at"), finishedAt: try row.decode(forColumn: "finished_at"),
            rollbackDurationMs: try row.decode(forColumn: "rollback_duration_ms"),
            reportJSON: try row.decode(forColumn: "report"), strategy: strategy)
    }
}
