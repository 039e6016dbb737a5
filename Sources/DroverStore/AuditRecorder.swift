import Synchronization

/// Writes audit entries to the store and one logfmt line each to a log sink.
///
/// Recording never fails its caller: a store failure is logged (with the entry) and the action
/// goes on, as an audit device that cannot write must not turn a drain into a 500. Refusals of
/// callers that could not be identified go through ``recordAggregated(_:)``: one row per action
/// and source address per window, its `count` raised when the window closes (``flush(now:)``),
/// so a flood of bad tokens or enrollments cannot fill the disk.
///
/// ```swift
/// let audit = AuditRecorder(store: store, log: { logger.notice($0) })
/// audit.record(NewAuditEntry(at: now, actorKind: .host, actorID: hostID, actorName: name,
///     sourceAddress: address, action: "enrollment.accept", target: hostID, outcome: .ok))
/// ```
public final class AuditRecorder: Sendable {
    private let store: any StateStore
    private let log: @Sendable (String) -> Void
    private let refusals: Mutex<RefusalAggregator>

    /// A recorder writing to `store` and `log`, aggregating anonymous refusals per
    /// `windowMilliseconds` (one minute) over at most `maxSources` addresses at once.
    public init(
        store: any StateStore,
        windowMilliseconds: Int64 = 60_000,
        maxSources: Int = 256,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.log = log
        self.refusals = Mutex(RefusalAggregator(windowMilliseconds: windowMilliseconds, maxKeys: maxSources))
    }

    /// Longest target kept, in characters (it can come from an unauthenticated request path).
    public static let maxTargetLength = 256
    /// Longest reason kept, in characters.
    public static let maxReasonLength = 1_024

    /// Appends `entry` and logs it.
    public func record(_ entry: NewAuditEntry) {
        let entry = Self.cleaned(entry)
        log(Self.logLine(entry))
        do {
            try store.appendAudit(entry)
        } catch {
            log("audit write failed " + Logfmt.line([("action", entry.action), ("error", "\(error)")]))
        }
    }

    /// Records `entry` if it is the first from its action and source in the current window;
    /// otherwise only counts it. The count reaches the store at ``flush(now:)``.
    public func recordAggregated(_ entry: NewAuditEntry) {
        let key = entry.action + " " + (entry.sourceAddress ?? "-")
        // The first write happens under the lock so the window's row id is attached before
        // any flush can close it; it is at most one write per source and window.
        refusals.withLock { aggregator in
            guard case .record(let windowKey) = aggregator.observe(key, now: entry.at) else { return }
            var entry = Self.cleaned(entry)
            if windowKey == RefusalAggregator.overflowKey {
                entry.sourceAddress = "*"
                entry.details["aggregated"] = "sources beyond the per-window limit"
            }
            log(Self.logLine(entry))
            do {
                aggregator.attach(recordID: try store.appendAudit(entry).id, to: windowKey)
            } catch {
                log("audit write failed " + Logfmt.line([("action", entry.action), ("error", "\(error)")]))
            }
        }
    }

    /// Writes the counts of aggregation windows that are over at `now`, and logs each that
    /// counted more than its first refusal.
    public func flush(now: Int64) {
        let done = refusals.withLock { $0.close(now: now) }
        for window in done where window.count > 1 {
            log("audit refusals aggregated " + Logfmt.line([("key", window.key), ("count", "\(window.count)")]))
            guard let id = window.recordID else { continue }
            do {
                try store.setAuditCount(id: id, count: window.count)
            } catch {
                log("audit write failed " + Logfmt.line([("audit.id", "\(id)"), ("error", "\(error)")]))
            }
        }
    }

    /// `entry` with its free-text fields made safe to print: control characters (an escape
    /// sequence, a newline) shown as `\u{…}`, and target and reason cut to their caps (counted after escaping).
    public static func cleaned(_ entry: NewAuditEntry) -> NewAuditEntry {
        var entry = entry
        entry.target = entry.target.map { printable($0, limit: maxTargetLength) }
        entry.reason = entry.reason.map { printable($0, limit: maxReasonLength) }
        entry.actorName = entry.actorName.map { printable($0, limit: maxTargetLength) }
        entry.details = entry.details.mapValues { printable($0, limit: maxTargetLength) }
        return entry
    }

    static func printable(_ text: String, limit: Int) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            let piece =
                scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                ? "\\u{" + String(scalar.value, radix: 16) + "}" : String(scalar)
            let length = piece.unicodeScalars.count
            guard count + length <= limit else { return out + "…" }
            count += length
            out += piece
        }
        return out
    }

    /// `audit action=… outcome=… …`: one logfmt line for `entry`.
    public static func logLine(_ entry: NewAuditEntry) -> String {
        var pairs: [(String, String?)] = [
            ("action", entry.action), ("outcome", entry.outcome.rawValue), ("status", entry.status.map(String.init)),
            ("actor.kind", entry.actorKind.rawValue), ("actor.id", entry.actorID), ("actor.name", entry.actorName),
            ("source", entry.sourceAddress), ("target", entry.target), ("request.id", entry.requestID),
            ("reason", entry.reason),
        ]
        if entry.count != 1 { pairs.append(("count", "\(entry.count)")) }
        for (key, value) in entry.details.sorted(by: { $0.key < $1.key }) {
            pairs.append(("details." + key, value))
        }
        return "audit " + Logfmt.line(pairs)
    }
}
