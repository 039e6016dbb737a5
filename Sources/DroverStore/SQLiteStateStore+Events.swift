import GRDB

extension SQLiteStateStore {
    /// Appends an event and returns it with its id.
    public func appendEvent(_ event: NewEvent) throws(StoreError) -> EventRecord {
        guard !event.kind.isEmpty else {
            throw .invalidArgument("event kind must not be empty")
        }
        return try write { db in
            try db.execute(
                sql: "INSERT INTO events (at, kind, severity, host_id, message, details) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    event.at, event.kind, event.severity.rawValue, event.hostID, event.message,
                    try LabelsJSON.encode(event.details),
                ]
            )
            return EventRecord(
                id: db.lastInsertedRowID,
                at: event.at,
                kind: event.kind,
                severity: event.severity,
                hostID: event.hostID,
                message: event.message,
                details: event.details
            )
        }
    }

    /// Appends events in order, in one transaction: a batch costs one commit, not one each.
    public func appendEvents(_ events: [NewEvent]) throws(StoreError) {
        guard !events.isEmpty else { return }
        guard events.allSatisfy({ !$0.kind.isEmpty }) else { throw .invalidArgument("event kind must not be empty") }
        try write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO events (at, kind, severity, host_id, message, details) VALUES (?, ?, ?, ?, ?, ?)")
            for event in events {
                try statement.execute(arguments: [
                    event.at, event.kind, event.severity.rawValue, event.hostID, event.message,
                    try LabelsJSON.encode(event.details),
                ])
            }
        }
    }

    /// Events matching `query`, newest first (by time, then id).
    public func listEvents(_ query: EventQuery) throws(StoreError) -> [EventRecord] {
        guard query.limit >= 0 else {
            throw .invalidArgument("event limit must not be negative")
        }
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let prefix = query.kindPrefix, !prefix.isEmpty {
            // substr compares code points exactly; LIKE would treat % and _ as wildcards.
            conditions.append("substr(kind, 1, ?) = ?")
            arguments += [prefix.unicodeScalars.count, prefix]
        }
        if let hostID = query.hostID {
            conditions.append("host_id = ?")
            arguments += [hostID]
        }
        if let since = query.since {
            conditions.append("at >= ?")
            arguments += [since]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [query.limit]
        let sql = "SELECT \(EventRecord.columns) FROM events \(filter) ORDER BY at DESC, id DESC LIMIT ?"
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(EventRecord.init(row:))
        }
    }

    /// Deletes events older than `cutoff`, then the oldest beyond `maxCount`; returns how many went.
    public func pruneEvents(olderThan cutoff: Int64, keepingAtMost maxCount: Int) throws(StoreError) -> Int {
        try prune(.events, olderThan: cutoff, keepingAtMost: maxCount)
    }
}

extension EventRecord {
    /// The columns `init(row:)` reads.
    static let columns = "id, at, kind, severity, host_id, message, details"

    /// Decodes an `events` row.
    init(row: Row) throws {
        let severityText = try row.decode(String.self, forColumn: "severity")
        guard let severity = EventSeverity(rawValue: severityText) else {
            throw StoreError.corruptRecord("events.severity has unknown value \(severityText)")
        }
        self.init(
            id: try row.decode(forColumn: "id"),
            at: try row.decode(forColumn: "at"),
            kind: try row.decode(forColumn: "kind"),
            severity: severity,
            hostID: try row.decode(forColumn: "host_id"),
            message: try row.decode(forColumn: "message"),
            details: try LabelsJSON.decode(try row.decode(forColumn: "details"), column: "events.details")
        )
    }
}
