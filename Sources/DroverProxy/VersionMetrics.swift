/// Counters for one version over some period: the signals canary analysis reads.
public struct VersionMetrics: Sendable, Hashable {
    /// HTTP requests answered (or attempted), or TCP connections accepted, for this version.
    public var requests: UInt64 = 0
    /// Failures as canary analysis counts them: 5xx answers (including the proxy's own 502 for
    /// an unreachable backend) and, in TCP mode, connections that could not be made.
    public var errors: UInt64 = 0
    /// Attempts whose TCP connection to the backend could not be made (refused or timed out).
    /// A backend connection that breaks before answering counts in ``errors`` (as a 502) only.
    public var connectFailures: UInt64 = 0
    /// Bytes received from clients and forwarded to the backend (bodies / TCP payload).
    public var bytesFromClients: UInt64 = 0
    /// Bytes received from the backend and forwarded to clients (bodies / TCP payload).
    public var bytesToClients: UInt64 = 0
    /// Request latency (HTTP: request head in → response end out; TCP: time to connect upstream).
    public var latency = LatencyHistogram()

    /// Empty counters.
    public init() {}

    /// Adds another period's counters into these.
    public mutating func add(_ other: VersionMetrics) {
        requests &+= other.requests
        errors &+= other.errors
        connectFailures &+= other.connectFailures
        bytesFromClients &+= other.bytesFromClients
        bytesToClients &+= other.bytesToClients
        latency.add(other.latency)
    }

    /// The counts since `earlier` (an older snapshot of the same counters).
    public func subtracting(_ earlier: VersionMetrics) -> VersionMetrics {
        var delta = VersionMetrics()
        delta.requests = requests &- earlier.requests
        delta.errors = errors &- earlier.errors
        delta.connectFailures = connectFailures &- earlier.connectFailures
        delta.bytesFromClients = bytesFromClients &- earlier.bytesFromClients
        delta.bytesToClients = bytesToClients &- earlier.bytesToClients
        delta.latency = latency.subtracting(earlier.latency)
        return delta
    }
}
