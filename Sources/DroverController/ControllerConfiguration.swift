import DroverSession
import DroverWire

/// Everything a ``ControllerService`` needs to start.
public struct ControllerConfiguration: Sendable {
    /// Where the CA, the controller certificate and `state.db` live (created with mode 0700).
    public var dataDirectory: String
    /// Address to listen on for agents.
    public var listenHost: String
    /// Port to listen on for agents (0 = any free port; see ``ControllerService/run(onListening:)``).
    public var listenPort: Int
    /// DNS names and IP addresses for the controller certificate (127.0.0.1 is always added).
    public var serverNames: [String]
    /// Opening exchange policy: versions, capabilities, limits, heartbeat interval.
    public var helloPolicy: ServerHelloPolicy
    /// Lifetime of agent certificates (90 days).
    public var certificateLifetime: Duration
    /// How long agents are told to wait before reconnecting after a graceful shutdown.
    public var reconnectAfter: Duration
    /// How long an accepted connection may take to finish its TLS handshake before it is closed
    /// (see ``FrameConnection/defaultHandshakeTimeout``).
    public var handshakeTimeout: Duration
    /// How many accepted connections may be opening (handshake to established session) at once;
    /// the rest wait in the kernel's accept queue (see ``OpeningLimiter``).
    public var maxOpeningConnections: Int = Self.defaultMaxOpeningConnections
    /// The default of ``maxOpeningConnections`` (and of `drover controller --max-opening`).
    public static let defaultMaxOpeningConnections = 128
    /// After this long an opening connection stops counting against ``maxOpeningConnections``.
    public var openingSlotTimeout: Duration = .seconds(10)

    /// The defaults: `/var/lib/drover`, `0.0.0.0:7400`.
    public init(
        dataDirectory: String = "/var/lib/drover",
        listenHost: String = "0.0.0.0",
        listenPort: Int = WireProtocol.defaultAgentPort,
        serverNames: [String] = ["localhost"],
        helloPolicy: ServerHelloPolicy = ServerHelloPolicy(),
        certificateLifetime: Duration = .seconds(90 * 86_400),
        reconnectAfter: Duration = .milliseconds(500),
        handshakeTimeout: Duration = FrameConnection.defaultHandshakeTimeout
    ) {
        self.dataDirectory = dataDirectory
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.serverNames = serverNames
        self.helloPolicy = helloPolicy
        self.certificateLifetime = certificateLifetime
        self.reconnectAfter = reconnectAfter
        self.handshakeTimeout = handshakeTimeout
    }

    /// `<data-dir>/state.db`.
    public var databasePath: String { dataDirectory + "/state.db" }
}
