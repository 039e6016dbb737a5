import DroverSession
import FoundationEssentials

/// The journal on disk: `STATE_DIR/journal.json`, mode 0600, replaced atomically on every save.
public struct SwapJournalFile: Sendable {
    /// The file name inside the state directory.
    public static let fileName = "journal.json"
    /// The state directory (created with mode 0700 on the first save).
    public let directory: String

    /// The journal file in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// The file's path.
    public var path: String { directory + "/" + Self.fileName }

    /// Reads the journal; an empty one when the file does not exist yet.
    ///
    /// - Throws: ``SwapError/journal(_:)`` when the file cannot be read or decoded. The agent
    ///   must not guess what runs on its host, so it stops rather than start from nothing.
    public func load() throws(SwapError) -> SwapJournal {
        guard PrivateFile.exists(path) else { return SwapJournal() }
        do {
            let bytes = try PrivateFile.read(path, maxSize: 64 << 20)
            return try JSONDecoder().decode(SwapJournal.self, from: Data(bytes))
        } catch {
            throw .journal("cannot read \(path): \(error)")
        }
    }

    /// Writes the journal atomically (temporary file, fsync, rename) with mode 0600.
    public func save(_ journal: SwapJournal) throws(SwapError) {
        do {
            try PrivateFile.makeDirectory(directory)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try PrivateFile.write(Array(try encoder.encode(journal)), to: path)
        } catch {
            throw .journal("cannot write \(path): \(error)")
        }
    }
}
