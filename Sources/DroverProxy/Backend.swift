/// One local instance the proxy can forward to.
public struct Backend: Sendable, Hashable, Identifiable {
    /// Whether a backend takes new requests or connections.
    public enum State: Sendable, Hashable {
        /// Takes new requests in proportion to its weight.
        case active
        /// Finishes what it has; never chosen for a new request or connection.
        case draining
    }

    /// Unique within a table, e.g. the instance or container id.
    public var id: String
    /// The version label statistics are kept under: "stable", "canary" or a version string.
    public var version: String
    /// Where the instance listens, e.g. "127.0.0.1".
    public var host: String
    /// The instance's port.
    public var port: Int
    /// Share of traffic in basis points (0…10,000 = 0 %…100 %, i.e. 0.01 % steps).
    public var weight: Int
    /// Active or draining.
    public var state: State

    /// A backend; `weight` in basis points.
    public init(id: String, version: String, host: String, port: Int, weight: Int, state: State = .active) {
        self.id = id
        self.version = version
        self.host = host
        self.port = port
        self.weight = weight
        self.state = state
    }
}
