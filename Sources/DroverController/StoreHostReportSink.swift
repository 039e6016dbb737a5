import DroverSession
import DroverStore
import DroverWire
import NIOConcurrencyHelpers

/// The default ``HostReportSink``: keeps each host's latest report in memory and records
/// `last_seen_at` (and address, agent version) in the store.
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
    }

    private let store: any StateStore
    private let logger: DroverLogger
    private let state = NIOLockedValueBox(State())

    /// A sink writing to `store`.
    public init(store: any StateStore, logger: DroverLogger = DroverLogger(label: "drover.controller.reports")) {
        self.store = store
        self.logger = logger
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
        state.withLockedValue {
            $0.connected[host.hostID] = host
            $0.reportedThisSession.remove(host.hostID)
        }
        do {
            let record = try store.recordHostSeen(
                id: host.hostID, now: host.connectedAt, address: host.address, agentVersion: host.agentVersion)
            if record.state == .lost {
                _ = try store.updateHostState(id: host.hostID, to: .ready, now: host.connectedAt)
            }
            _ = try store.appendEvent(NewEvent(
                at: host.connectedAt, kind: "host.connected", hostID: host.hostID,
                message: "agent \(host.agentVersion) connected from \(host.address)",
                details: ["address": host.address, "agent_version": host.agentVersion]))
        } catch {
            logger.warning("cannot record connection", ["host.id": host.hostID, "error": "\(error)"])
        }
    }

    public func hostReport(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64) async {
        let first = state.withLockedValue { state -> Bool in
            state.latest[hostID] = LatestReport(report: report, receivedAt: receivedAt)
            return state.reportedThisSession.insert(hostID).inserted
        }
        do {
            _ = try store.recordHostSeen(id: hostID, now: receivedAt)
            if first {
                _ = try store.appendEvent(NewEvent(
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

    public func hostDisconnected(hostID: String, cause: DisconnectCause) async {
        state.withLockedValue {
            $0.connected.removeValue(forKey: hostID)
            $0.reportedThisSession.remove(hostID)
        }
        let now = UnixTime.nowMillis()
        do {
            // A lost host is marked so; a drained one keeps its operator-chosen state.
            if case .lost = cause, try store.host(id: hostID)?.state == .ready {
                _ = try store.updateHostState(id: hostID, to: .lost, now: now)
            }
            _ = try store.appendEvent(NewEvent(
                at: now, kind: "host.disconnected", severity: cause == .lost ? .warning : .info, hostID: hostID,
                message: "session ended: \(cause)", details: ["reason": cause.description, "cause": cause.name]))
        } catch {
            logger.warning("cannot record disconnection", ["host.id": hostID, "error": "\(error)"])
        }
    }
}
