import GRDB

extension SQLiteStateStore {
    /// The first column of the first row of `sql`, as text (for pragmas and tests).
    ///
    /// Internal: the controller goes through ``StateStore``; tests reach this with `@testable`.
    func scalarText(_ sql: String) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: sql) }
    }

    /// Runs raw SQL in a write transaction (tests only: simulating other versions' databases).
    func executeRaw(_ sql: String) throws(StoreError) {
        try write { db in try db.execute(sql: sql) }
    }
}
