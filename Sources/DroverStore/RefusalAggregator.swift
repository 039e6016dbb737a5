/// Folds repeated refusals from one source into one record per time window, so a flood of bad
/// requests (wrong tokens, refused enrollments) costs a bounded number of rows.
///
/// The first refusal from a key in a window is to be recorded at once (``Decision/record(key:)``);
/// the rest of that window only counts. ``close(now:)`` hands back each window once it is over,
/// with its total, so the caller can write the count. At most ``maxKeys`` windows are open; refusals
/// from further keys share the ``overflowKey`` window, so many addresses cannot grow memory either.
///
/// A pure value: time is passed in; callers serialize access.
public struct RefusalAggregator: Sendable {
    /// The key refusals from sources beyond ``maxKeys`` share.
    public static let overflowKey = "*"

    /// One source's window.
    public struct Window: Sendable, Equatable {
        /// The source (or ``RefusalAggregator/overflowKey``).
        public let key: String
        /// When its first refusal came, Unix ms.
        public let start: Int64
        /// Refusals in the window, the first included.
        public var count: Int
        /// The id of the row written for its first refusal, once attached.
        public var recordID: Int64?
    }

    /// What to do with one refusal.
    public enum Decision: Sendable, Equatable {
        /// The first in its window: write it now, under `key` (the source or the overflow key).
        case record(key: String)
        /// Counted in an open window; write nothing.
        case counted
    }

    /// Length of a window, milliseconds.
    public let windowMilliseconds: Int64
    /// Most windows open at once (plus the overflow window).
    public let maxKeys: Int
    private var open: [String: Window] = [:]
    private var closed: [Window] = []

    /// An aggregator with `windowMilliseconds` (at least 1) windows and at most `maxKeys` (at least 1) sources.
    public init(windowMilliseconds: Int64 = 60_000, maxKeys: Int = 256) {
        self.windowMilliseconds = max(1, windowMilliseconds)
        self.maxKeys = max(1, maxKeys)
    }

    /// Windows open now.
    public var openCount: Int { open.count }

    /// Counts one refusal from `key` at `now`.
    public mutating func observe(_ key: String, now: Int64) -> Decision {
        var key = key
        if open[key] == nil, open.count >= maxKeys {
            key = Self.overflowKey
        }
        if var window = open[key] {
            if isOver(window, now: now) {
                closed.append(window)
            } else {
                window.count += 1
                open[key] = window
                return .counted
            }
        }
        open[key] = Window(key: key, start: now, count: 1, recordID: nil)
        return .record(key: key)
    }

    /// Remembers the row written for `key`'s open window.
    public mutating func attach(recordID: Int64, to key: String) {
        open[key]?.recordID = recordID
    }

    /// Removes and returns every window that is over at `now` (and those a new window replaced).
    public mutating func close(now: Int64) -> [Window] {
        var done = closed
        closed = []
        for (key, window) in open where isOver(window, now: now) {
            done.append(window)
            open[key] = nil
        }
        return done.sorted { ($0.start, $0.key) < ($1.start, $1.key) }
    }

    private func isOver(_ window: Window, now: Int64) -> Bool {
        // A clock stepping back keeps the window open rather than trapping or reopening it.
        now > window.start && now - window.start >= windowMilliseconds
    }
}
