import DroverController
import DroverWire
import NIOConcurrencyHelpers

/// A ``HostReportSink`` that records every call (the seam the inventory implements).
final class RecordingSink: HostReportSink {
    enum Call: Sendable, Equatable {
        case connected(String)
        case report(String, UInt64)
        case disconnected(String, String)
    }

    private let box = NIOLockedValueBox<[Call]>([])
    private let reportPaths = NIOLockedValueBox<[Bool]>([])

    var calls: [Call] { box.withLockedValue { $0 } }
    /// For each report, whether it came straight from the event loop (no Swift task running),
    /// as the controller's fast path delivers it, rather than from the session task.
    var reportsFromTheEventLoop: [Bool] { reportPaths.withLockedValue { $0 } }

    func hostConnected(_ host: ConnectedHost) async {
        box.withLockedValue { $0.append(.connected(host.hostID)) }
    }

    func hostReport(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64) {
        let outsideATask = withUnsafeCurrentTask { $0 == nil }
        reportPaths.withLockedValue { $0.append(outsideATask) }
        box.withLockedValue { $0.append(.report(hostID, report.sequence)) }
    }

    func hostDisconnected(hostID: String, cause: DisconnectCause) async {
        box.withLockedValue { $0.append(.disconnected(hostID, cause.name)) }
    }
}
