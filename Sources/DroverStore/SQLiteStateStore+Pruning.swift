import GRDB

extension SQLiteStateStore {
    /// The history tables retention prunes; each has `id` and `at` columns.
    enum HistoryTable: String {
        case events
        case audit

        /// What its rows are called in errors.
        var rows: String { self == .events ? "events" : "audit entries" }
    }

    /// Deletes rows of `table` older than `cutoff`, then the oldest beyond `maxCount`, in one
    /// transaction; returns how many went.
    func prune(_ table: HistoryTable, olderThan cutoff: Int64, keepingAtMost maxCount: Int) throws(StoreError) -> Int {
        guard maxCount >= 0 else {
            throw .invalidArgument("\(table.rows) to keep must not be negative")
        }
        let name = table.rawValue
        return try write { db in
            try db.execute(sql: "DELETE FROM \(name) WHERE at < ?", arguments: [cutoff])
            let byAge = db.changesCount
            try db.execute(
                sql: "DELETE FROM \(name) WHERE id NOT IN (SELECT id FROM \(name) ORDER BY at DESC, id DESC LIMIT ?)",
                arguments: [maxCount]
            )
            return byAge + db.changesCount
        }
    }
}
