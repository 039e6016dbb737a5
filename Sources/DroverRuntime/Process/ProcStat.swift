/// The fields Drover reads from `/proc/PID/stat`.
///
/// Pure parser: the file's text in, the fields out. The command name (field 2) is in
/// parentheses and may itself contain spaces and parentheses, so fields are counted from
/// the *last* `)`.
public struct ProcStat: Hashable, Sendable {
    /// The state letter: `R` running, `S` sleeping, `Z` zombie, …
    public let state: Character
    /// The process group id (field 5).
    public let processGroup: Int32
    /// Start time after boot in clock ticks (field 22): with the pid, it names one process,
    /// so a reused pid is not mistaken for the instance.
    public let startTime: UInt64

    /// Parses the contents of `/proc/PID/stat`; nil when it is malformed.
    public init?(parsing text: String) {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        guard fields.count >= 20, fields[0].count == 1, let group = Int32(fields[2]),
            let start = UInt64(fields[19])
        else { return nil }
        state = fields[0].first!
        processGroup = group
        startTime = start
    }

    /// Whether the process has exited and waits to be reaped (or is being torn down).
    public var isDead: Bool { state == "Z" || state == "X" || state == "x" }
}
