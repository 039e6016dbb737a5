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

    var calls: [Call] { box.withLockedValue { $0 } }

    func hostConnected(_ host: ConnectedHost) async {
        box.withLockedValue { $0.append(.connected(host.hostID)) }
    }

    func hostReport(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64) {
        box.withLockedValue { $0.append(.report(hostID, report.sequence)) }
    }

    func hostDisconnected(hostID: String, cause: DisconnectCause) async {
        box.withLockedValue { $0.append(.disconnected(hostID, cause.name)) }
    }
}
