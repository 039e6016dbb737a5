import GRDB

extension SQLiteStateStore {
    /// Appends an audit entry and returns it with its id.
    @discardableResult
    public func appendAudit(_ entry: NewAuditEntry) throws(StoreError) -> AuditRecord {
        guard !entry.action.isEmpty else { throw .invalidArgument("audit action must not be empty") }
        guard entry.count >= 1 else { throw .invalidArgument("audit count must be at least 1") }
        return try write { db in
            try db.execute(
                sql: """
                    INSERT INTO audit (at, actor_kind, actor_id, actor_name, source_address, action, target, outcome,
                        status, reason, request_id, count, details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.at, entry.actorKind.rawValue, entry.actorID, entry.actorName, entry.sourceAddress,
                    entry.action, entry.target, entry.outcome.rawValue, entry.status, entry.reason, entry.requestID,
                    entry.count, try LabelsJSON.encode(entry.details),
                ]
            )
            return AuditRecord(id: db.lastInsertedRowID, entry: entry)
        }
    }

    /// Sets the occurrence count of an aggregated entry.
    public func setAuditCount(id: Int64, count: Int) throws(StoreError) {
        guard count >= 1 else { throw .invalidArgument("audit count must be at least 1") }
        try write { db in
            try db.execute(sql: "UPDATE audit SET count = ? WHERE id = ?", arguments: [count, id])
        }
    }

    /// Entries matching `query`, newest first (by time, then id).
    public func listAudit(_ query: AuditQuery) throws(StoreError) -> [AuditRecord] {
        guard query.limit >= 0 else { throw .invalidArgument("audit limit must not be negative") }
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let since = query.since {
            conditions.append("at >= ?")
            arguments += [since]
        }
        if let actor = query.actor {
            conditions.append("(actor_id = ? OR actor_name = ?)")
            arguments += [actor, actor]
        }
        if let action = query.action, !action.isEmpty {
            // substr compares exactly; LIKE would treat % and _ (common in actions) as wildcards.
            let prefix = action + "."
            conditions.append("(action = ? OR substr(action, 1, ?) = ?)")
            arguments += [action, prefix.unicodeScalars.count, prefix]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [query.limit]
        let sql = "SELECT \(AuditRecord.columns) FROM audit \(filter) ORDER BY at DESC, id DESC LIMIT ?"
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(AuditRecord.init(row:))
        }
    }

    /// Deletes entries older than `cutoff`, then the oldest beyond `maxCount`; returns how many went.
    public func pruneAudit(olderThan cutoff: Int64, keepingAtMost maxCount: Int) throws(StoreError) -> Int {
        try prune(.audit, olderThan: cutoff, keepingAtMost: maxCount)
    }
}

extension AuditRecord {
    /// The columns `init(row:)` reads.
    static let columns =
        "id, at, actor_kind, actor_id, actor_name, source_address, action, target, outcome, status, reason, request_id, count, details"

    /// Decodes an `audit` row.
    init(row: Row) throws {
        let kindText = try row.decode(String.self, forColumn: "actor_kind")
        guard let kind = AuditActorKind(rawValue: kindText) else {
            throw StoreError.corruptRecord("audit.actor_kind has unknown value \(kindText)")
        }
        let outcomeText = try row.decode(String.self, forColumn: "outcome")
        guard let outcome = AuditOutcome(rawValue: outcomeText) else {
            throw StoreError.corruptRecord("audit.outcome has unknown value \(outcomeText)")
        }
        self.init(
            id: try row.decode(forColumn: "id"),
            entry: NewAuditEntry(
                at: try row.decode(forColumn: "at"),
                actorKind: kind,
                actorID: try row.decode(forColumn: "actor_id"),
                actorName: try row.decode(forColumn: "actor_name"),
                sourceAddress: try row.decode(forColumn: "source_address"),
                action: try row.decode(forColumn: "action"),
                target: try row.decode(forColumn: "target"),
                outcome: outcome,
                status: try row.decode(forColumn: "status"),
                reason: try row.decode(forColumn: "reason"),
                requestID: try row.decode(forColumn: "request_id"),
                count: try row.decode(forColumn: "count"),
                details: try LabelsJSON.decode(try row.decode(forColumn: "details"), column: "audit.details")))
    }
}
