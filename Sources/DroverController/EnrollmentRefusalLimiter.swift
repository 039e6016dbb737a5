import DroverSession
import DroverStore
import Synchronization

/// Records refused enrollments in the events table (and the log) at most once per source
/// address and minute, with a summary event counting the rest when the minute is over.
///
/// Why: enrollment is unauthenticated, so without a limit anyone who can reach the agent port
/// grows the events table (and the log) by one row per attempt. With it, each address costs at
/// most two events a minute, and addresses beyond ``RefusalAggregator/maxKeys`` share one window.
public final class EnrollmentRefusalLimiter: Sendable {
    private let store: any StateStore
    private let logger: DroverLogger
    private let aggregator: Mutex<RefusalAggregator>
    private let audit: AuditRecorder?

    /// A limiter writing to `store` with `windowMilliseconds` windows over at most `maxSources`
    /// addresses; each refusal also goes to `audit` as `enrollment.refuse` (aggregated there the same way).
    public init(
        store: any StateStore, logger: DroverLogger, audit: AuditRecorder? = nil, windowMilliseconds: Int64 = 60_000,
        maxSources: Int = 256
    ) {
        self.store = store
        self.logger = logger
        self.audit = audit
        self.aggregator = Mutex(RefusalAggregator(windowMilliseconds: windowMilliseconds, maxKeys: maxSources))
    }

    /// One refused enrollment from `address`: an event and a log line if it is the first from
    /// that address in its window, otherwise only counted.
    public func refused(_ text: String, reason: String, address: String, now: Int64) {
        audit?.recordAggregated(
            NewAuditEntry(
                at: now, actorKind: .anonymous, sourceAddress: address, action: "enrollment.refuse", outcome: .refused,
                reason: text, details: ["reason": reason]))
        let decision = aggregator.withLock { $0.observe(address, now: now) }
        guard case .record(let key) = decision else { return }
        let source = key == RefusalAggregator.overflowKey ? "many addresses" : address
        logger.warning("enrollment refused: \(text)", ["peer.address": address])
        append(
            NewEvent(
                at: now, kind: "enrollment.refused", severity: .warning,
                message: "enrollment from \(source) refused: \(text)",
                details: ["reason": reason, "address": key == RefusalAggregator.overflowKey ? "*" : address]))
        flush(now: now)
    }

    /// Appends a summary event for every window that is over and counted more than its first refusal.
    public func flush(now: Int64) {
        let done = aggregator.withLock { $0.close(now: now) }
        for window in done where window.count > 1 {
            let more = window.count - 1
            let source = window.key == RefusalAggregator.overflowKey ? "many addresses" : window.key
            logger.warning("enrollments refused", ["peer.address": window.key, "count": "\(more)"])
            append(
                NewEvent(
                    at: now, kind: "enrollment.refused", severity: .warning,
                    message: "\(more) more enrollment(s) from \(source) refused within a minute of the first",
                    details: [
                        "address": window.key, "count": "\(more)", "window_start_unix_ms": "\(window.start)",
                    ]))
        }
    }

    private func append(_ event: NewEvent) {
        do {
            _ = try store.appendEvent(event)
        } catch {
            logger.warning("cannot record refused enrollment", ["error": "\(error)"])
        }
    }
}
