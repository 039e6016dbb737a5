import DroverSession
import DroverStore
import DroverWire
import NIOConcurrencyHelpers

/// The default ``HostReportSink``: keeps each host's latest report in memory and records
/// `last_seen_at` (and address, agent version) in the store.
///
/// `last_seen_at` is written when a session opens and when it ends; while reports flow, the
/// newest report time of every host is written in one batch transaction per
/// ``lastSeenWriteInterval``. A write per report would cost a SQLite transaction per host every
/// 5 s (2,000 a second for 10,000 hosts) for a value the live inventory already has to the
/// millisecond. After a crash the stored value is at most one interval old.
///
/// The first report of every session is also written as a `host.first_report` event, so an
/// operator (or a test) can see that reports flow without a separate metrics store.
public final class StoreHostReportSink: HostReportSink {
    /// A host's latest report and when it arrived.
    public struct LatestReport: Sendable, Equatable {
        /// The report.
        public var report: Drover_V1_HostReport
        /// Controller wall clock at arrival, Unix milliseconds.
        public var receivedAt: Int64
    }

    private struct State {
        var latest: [String: LatestReport] = [:]
        var connected: [String: ConnectedHost] = [:]
        var reportedThisSession: Set<String> = []
        /// Per host, the newest report time not written yet.
        var seenPending: [String: Int64] = [:]
        /// When the last batch of report times was written (nil before the first report).
        var lastFlushAt: Int64?
    }

    private let store: any StateStore
    private let logger: DroverLogger
    private let keepsLatestReports: Bool
    private let state = NIOLockedValueBox(State())
    /// Session starts, written in shared transactions when many arrive at once.
    private let connections: GroupCommit<HostSessionStart, HostRecord?>

    /// How often the report times of all hosts are written, in one batch (default one minute).
    public let lastSeenWriteInterval: Int64

    /// A sink writing to `store`.
    ///
    /// - Parameters:
    ///   - keepsLatestReports: keep each host's latest report for ``latestReport(hostID:)``; off
    ///     when another component (the inventory) holds them already.
    ///   - lastSeenWriteInterval: milliseconds between two batches of `last_seen_at` writes.
    public init(
        store: any StateStore,
        keepsLatestReports: Bool = true,
        lastSeenWriteInterval: Int64 = 60_000,
        logger: DroverLogger = DroverLogger(label: "drover.controller.reports")
    ) {
        self.store = store
        self.keepsLatestReports = keepsLatestReports
        self.lastSeenWriteInterval = lastSeenWriteInterval
        self.logger = logger
        self.connections = GroupCommit { starts in
            do {
                return try store.recordHostsConnected(starts)
            } catch {
                logger.warning("cannot record connections", ["hosts": "\(starts.count)", "error": "\(error)"])
                return Array(repeating: nil, count: starts.count)
            }
        }
    }

    /// The latest report of `hostID`, if any arrived since the controller started.
    public func latestReport(hostID: String) -> LatestReport? {
        state.withLockedValue { $0.latest[hostID] }
    }

    /// Hosts with a live session right now.
    public var connectedHosts: [ConnectedHost] {
        state.withLockedValue { Array($0.connected.values) }.sorted { $0.hostID < $1.hostID }
    }

    public func hostConnected(_ host: ConnectedHost) async {
        _ = await recordConnection(host)
    }

    /// Records a session start — last seen, address, agent version, a lost host ready again, a
    /// `host.connected` event — in a transaction shared with the starts arriving meanwhile.
    ///
    /// - Returns: the host's record afterwards (nil if unknown or the write failed).
    func recordConnection(_ host: ConnectedHost) async -> HostRecord? {
        state.withLockedValue {
            $0.connected[host.hostID] = host
            $0.reportedThisSession.remove(host.hostID)
            $0.seenPending.removeValue(forKey: host.hostID)
        }
        return await connections.submit(
            HostSessionStart(
                hostID: host.hostID, at: host.connectedAt, address: host.address, agentVersion: host.agentVersion,
                event: NewEvent(
                    at: host.connectedAt, kind: "host.connected", hostID: host.hostID,
                    message: "agent \(host.agentVersion) connected from \(host.address)",
                    details: ["address": host.address, "agent_version": host.agentVersion])))
    }

    public func hostReport(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64) {
        let keepsLatest = keepsLatestReports
        let interval = lastSeenWriteInterval
        let (first, batch) = state.withLockedValue { state -> (Bool, [String: Int64]) in
            if keepsLatest { state.latest[hostID] = LatestReport(report: report, receivedAt: receivedAt) }
            let first = state.reportedThisSession.insert(hostID).inserted
            state.seenPending[hostID] = max(state.seenPending[hostID] ?? 0, receivedAt)
            let lastFlush = state.lastFlushAt ?? receivedAt
            state.lastFlushAt = lastFlush
            guard receivedAt - lastFlush >= interval else { return (first, [:]) }
            state.lastFlushAt = receivedAt
            defer { state.seenPending.removeAll(keepingCapacity: true) }
            return (first, state.seenPending)
        }
        do {
            try store.recordHostsSeen(batch)
            if first {
                _ = try store.appendEvent(
                    NewEvent(
                        at: receivedAt, kind: "host.first_report", hostID: hostID,
                        message: "first host report of this session",
                        details: [
                            "sequence": "\(report.sequence)",
                            "cpu_cores": "\(report.cpu.cores)",
                            "memory_total_bytes": "\(report.memory.totalBytes)",
                            "disks": "\(report.disks.count)",
                            "uptime_seconds": "\(report.uptimeSeconds)",
                        ]))
            }
        } catch {
            logger.warning("cannot record report", ["host.id": hostID, "error": "\(error)"])
        }
    }

    /// Writes every held-back report time in one transaction.
    public func flush() async {
        let batch = state.withLockedValue { state -> [String: Int64] in
            defer { state.seenPending.removeAll() }
            return state.seenPending
        }
        do {
            try store.recordHostsSeen(batch)
        } catch {
            logger.warning("cannot record last seen times", ["hosts": "\(batch.count)", "error": "\(error)"])
        }
    }

    public func hostDisconnected(hostID: String, cause: DisconnectCause) async {
        let pendingSeen = state.withLockedValue { state -> Int64? in
            // A replaced session's host lives on in the newer session: leave its state alone.
            guard cause != .replaced else { return nil }
            state.connected.removeValue(forKey: hostID)
            state.reportedThisSession.remove(hostID)
            // On controller shutdown the report time stays pending for the one batch in flush().
            return cause == .controllerShutdown ? nil : state.seenPending.removeValue(forKey: hostID)
        }
        // Every session ends at shutdown: one event per host (and a transaction each) would
        // delay the restart by seconds with 10,000 agents, and say nothing the controller's own
        // "stopped" line does not.
        guard cause != .controllerShutdown else { return }
        let now = UnixTime.nowMillis()
        do {
            if let pendingSeen { _ = try store.recordHostSeen(id: hostID, now: pendingSeen) }
            // A lost host is marked so; a drained one keeps its operator-chosen state.
            if case .lost = cause, try store.host(id: hostID)?.state == .ready {
                _ = try store.updateHostState(id: hostID, to: .lost, now: now)
            }
            _ = try store.appendEvent(
                NewEvent(
                    at: now, kind: "host.disconnected", severity: cause == .lost ? .warning : .info, hostID: hostID,
                    message: "session ended: \(cause)", details: ["reason": cause.description, "cause": cause.name]))
        } catch {
            logger.warning("cannot record disconnection", ["host.id": hostID, "error": "\(error)"])
        }
    }
}
