#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB

/// The SQLite ``StateStore``: one WAL database file through a GRDB `DatabasePool`.
///
/// Reads run concurrently; writes are serialized by GRDB and each runs in one
/// `BEGIN IMMEDIATE` transaction, so check-then-update operations (token redemption) are
/// atomic even against another process holding the same file.
public final class SQLiteStateStore: StateStore {
    /// How long a writer waits for another process's lock before failing.
    public static let defaultBusyTimeoutSeconds: Double = 5

    /// The GRDB connection(s); internal so tests can inspect pragmas.
    let writer: any DatabaseWriter
    /// Hashes token secrets; redemption must use the hasher that created the token.
    public let hasher: any SecretHasher

    /// Opens (creating if needed) the database at `path` and migrates it to the latest schema.
    ///
    /// A new file is created with mode 0600. The parent directory must already exist (the
    /// caller creates it 0700).
    ///
    /// - Throws: ``StoreError/directoryMissing(_:)``, ``StoreError/newerSchema(unknownMigrations:)``
    ///   when a newer Drover wrote the database (nothing is changed), ``StoreError/database(code:message:)``.
    public init(
        path: String,
        hasher: any SecretHasher = SHA256Hasher(),
        busyTimeoutSeconds: Double = SQLiteStateStore.defaultBusyTimeoutSeconds
    ) throws(StoreError) {
        try Self.createPrivateFileIfMissing(path: path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeoutSeconds)
        configuration.label = "drover.store"
        // WAL with synchronous=NORMAL: a commit no longer waits for an fsync of the log (about
        // 0.9 ms → 0.1 ms here), the database stays consistent after any crash, and a power loss
        // can only lose the last commits before the next checkpoint. Everything the controller
        // replays after such a loss is idempotent (commands carry ids; agents report their state).
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Check the schema through a plain connection first: opening a pool writes to an
        // existing file (GRDB primes the WAL), and a newer schema must be left untouched.
        try Self.refuseNewerSchema(path: path, configuration: configuration)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(mapping: error)
        }
        try Self.migrate(pool)
        self.writer = pool
        self.hasher = hasher
    }

    /// A private in-memory database (for tests and `drover dev`); it vanishes when released.
    public static func inMemory(hasher: any SecretHasher = SHA256Hasher()) throws(StoreError) -> SQLiteStateStore {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration)
        } catch {
            throw StoreError(mapping: error)
        }
        try migrate(queue)
        return SQLiteStateStore(writer: queue, hasher: hasher)
    }

    private init(writer: any DatabaseWriter, hasher: any SecretHasher) {
        self.writer = writer
        self.hasher = hasher
    }

    /// Checkpoints the WAL into the main file and closes; later calls fail with a database error.
    ///
    /// Why checkpoint: GRDB's read-only reader connections close last and cannot fold the
    /// WAL back, so without it a cleanly stopped controller would leave its latest writes
    /// only in `-wal` (a backup copying just the main file would miss them).
    public func close() throws(StoreError) {
        do {
            if writer is DatabasePool {
                _ = try writer.writeWithoutTransaction { db in
                    try db.checkpoint(.truncate)
                }
            }
            try writer.close()
        } catch {
            throw StoreError(mapping: error)
        }
    }

    /// Identifiers of the applied migrations, in order (e.g. `["v1"]`).
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read { db in try StoreMigrations.migrator.appliedMigrations(db) }
    }

    /// Identifiers of every migration this build knows, in order.
    public static var knownMigrations: [String] { StoreMigrations.identifiers }

    // MARK: Access helpers

    /// Runs `body` on a read connection, mapping errors to ``StoreError``.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError(mapping: error)
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction, mapping errors to ``StoreError``.
    ///
    /// Why immediate: a deferred transaction that reads and then writes can fail with
    /// SQLITE_BUSY on upgrade when another process writes in between; immediate takes the
    /// write lock first and waits for it within the busy timeout.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw StoreError(mapping: error)
        }
    }

    // MARK: Opening

    /// Refuses databases from a newer schema, then applies missing migrations.
    private static func migrate(_ writer: any DatabaseWriter) throws(StoreError) {
        do {
            let unknown = try writer.read { db in try StoreMigrations.unknownApplied(db) }
            guard unknown.isEmpty else {
                throw StoreError.newerSchema(unknownMigrations: unknown)
            }
            try StoreMigrations.migrator.migrate(writer)
        } catch {
            throw StoreError(mapping: error)
        }
    }

    /// Throws ``StoreError/newerSchema(unknownMigrations:)`` without writing anything if the
    /// file at `path` holds migrations this build does not know.
    private static func refuseNewerSchema(path: String, configuration: Configuration) throws(StoreError) {
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let unknown = try queue.read { db in try StoreMigrations.unknownApplied(db) }
            try queue.close()
            guard unknown.isEmpty else { throw StoreError.newerSchema(unknownMigrations: unknown) }
        } catch {
            throw StoreError(mapping: error)
        }
    }

    /// Creates an empty file with mode 0600 unless one exists, so SQLite (which gives its
    /// -wal and -shm files the database file's mode) never creates it world-readable.
    private static func createPrivateFileIfMissing(path: String) throws(StoreError) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFDIR) else {
            throw .directoryMissing(directory)
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            closeDescriptor(descriptor)
            return
        }
        let code = errno
        guard code == EEXIST else {
            throw .database(code: code, message: "cannot create \(path): \(String(cString: strerror(code)))")
        }
    }
}

/// Closes a file descriptor (a free function: inside the class `close` means the store's).
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
