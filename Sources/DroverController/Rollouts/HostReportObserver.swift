import DroverWire

/// Hears every host report after the inventory took it; the rollout coordinator reads the
/// services' traffic counters from it for canary analysis.
public protocol HostReportObserver: Sendable {
    /// A report from `hostID`. Called synchronously on the host's session: return quickly.
    func hostReported(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64)
}
