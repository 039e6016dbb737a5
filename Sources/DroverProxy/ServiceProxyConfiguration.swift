/// How a ``ServiceProxy`` listens and forwards.
public struct ServiceProxyConfiguration: Sendable, Hashable {
    /// What the proxy speaks.
    public enum Mode: Sendable, Hashable {
        /// HTTP/1.1 with keep-alive; a backend is chosen for every request.
        case http
        /// Plain TCP; a backend is chosen for every connection and bytes are relayed both ways.
        case tcp
    }

    /// Address to listen on, e.g. "0.0.0.0" or "127.0.0.1".
    public var host: String
    /// The service's public port; 0 picks a free one (see ``ServiceProxy/start()``).
    public var port: Int
    /// HTTP or TCP.
    public var mode: Mode
    /// How long to wait for a backend's TCP handshake before answering 502 (or closing, in TCP mode).
    public var connectTimeout: Duration
    /// Idle upstream keep-alive connections kept per backend and event loop.
    public var maxIdleConnectionsPerBackend: Int
    /// Whether HTTP requests get the client's address appended to `X-Forwarded-For`.
    public var addForwardedFor: Bool
    /// Listen backlog.
    public var backlog: Int
    /// Timeouts and the connection cap that bound what one client can hold.
    public var limits: Limits

    /// A configuration with defaults that suit a service's public port.
    public init(
        host: String = "0.0.0.0",
        port: Int,
        mode: Mode = .http,
        connectTimeout: Duration = .seconds(2),
        maxIdleConnectionsPerBackend: Int = 64,
        addForwardedFor: Bool = true,
        backlog: Int = 1024,
        limits: Limits = Limits()
    ) {
        self.host = host
        self.port = port
        self.mode = mode
        self.connectTimeout = connectTimeout
        self.maxIdleConnectionsPerBackend = maxIdleConnectionsPerBackend
        self.addForwardedFor = addForwardedFor
        self.backlog = backlog
        self.limits = limits
    }
}
