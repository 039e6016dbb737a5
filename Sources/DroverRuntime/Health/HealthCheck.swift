/// One probe of an instance's health: ``HTTPHealthCheck``, ``TCPHealthCheck`` or ``ExecHealthCheck``.
public protocol HealthCheck: Sendable {
    /// Probes once; a probe that takes longer than `timeout` fails. Never throws: every
    /// problem is a ``HealthCheckResult/failed(_:)`` with the reason.
    func run(timeout: Duration) async -> HealthCheckResult
}

/// The outcome of one probe.
public enum HealthCheckResult: Hashable, Sendable {
    case passed
    /// Failed, with a reason for the log and the operator.
    case failed(String)

    /// Whether the probe passed.
    public var passed: Bool { self == .passed }
}
