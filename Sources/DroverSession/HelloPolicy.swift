import DroverWire

/// The server's side of the opening exchange: turns a `Hello` into a `Welcome` or an error.
///
/// Pure: no I/O, no clock. See Protocol/README.md §6.
public struct ServerHelloPolicy: Hashable, Sendable {
    /// Lowest protocol version this server speaks.
    public var minVersion: UInt32
    /// Highest protocol version this server speaks.
    public var maxVersion: UInt32
    /// Capabilities this server supports.
    public var capabilities: Set<String>
    /// Limits announced in `Welcome` (and enforced by this server's decoder).
    public var limits: WireLimits
    /// Heartbeat interval announced to agents.
    public var heartbeatInterval: Duration
    /// Every how many heartbeats agents send one as a request (`Welcome.heartbeat_request_every`);
    /// 1 has every heartbeat answered.
    public var heartbeatRequestEvery: UInt32
    /// Software version, sent as `controller_version`.
    public var softwareVersion: String

    /// Version 1 only, `zlib`, default limits, 5 s heartbeats, every sixth one a request.
    public init(
        minVersion: UInt32 = DroverVersion.protocolVersion,
        maxVersion: UInt32 = DroverVersion.protocolVersion,
        capabilities: Set<String> = [WireProtocol.Capability.zlib],
        limits: WireLimits = .default,
        heartbeatInterval: Duration = .milliseconds(Int64(WireProtocol.defaultHeartbeatIntervalMs)),
        heartbeatRequestEvery: UInt32 = WireProtocol.defaultHeartbeatRequestEvery,
        softwareVersion: String = DroverVersion.software
    ) {
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.capabilities = capabilities
        self.limits = limits
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatRequestEvery = heartbeatRequestEvery
        self.softwareVersion = softwareVersion
    }

    /// Negotiates with a client's `Hello`.
    ///
    /// - Returns: the `Welcome` to send and the settled session, or the fatal error to send.
    public func negotiate(
        _ hello: Drover_V1_Hello,
        hostID: String
    ) -> Result<(Drover_V1_Welcome, NegotiatedSession), SessionError> {
        guard hello.minVersion >= 1, hello.maxVersion >= hello.minVersion else {
            return .failure(SessionError(
                .protocolViolation,
                "Hello version range \(hello.minVersion)...\(hello.maxVersion) is invalid",
                relatedType: .hello))
        }
        let low = max(minVersion, hello.minVersion)
        let high = min(maxVersion, hello.maxVersion)
        guard low <= high else {
            return .failure(SessionError(
                .unsupportedVersion,
                "no common protocol version: client speaks \(hello.minVersion)...\(hello.maxVersion), "
                    + "server speaks \(minVersion)...\(maxVersion)",
                relatedType: .hello))
        }
        let shared = capabilities.intersection(hello.capabilities)
        var welcome = Drover_V1_Welcome()
        welcome.version = high
        welcome.capabilities = shared.sorted()
        welcome.maxFrameSize = UInt32(limits.maxFrameSize)
        welcome.maxDecompressedSize = UInt32(limits.maxDecompressedSize)
        welcome.maxInFlight = UInt32(limits.maxInFlight)
        welcome.heartbeatIntervalMs = UInt32(clamping: heartbeatInterval.milliseconds)
        welcome.controllerVersion = softwareVersion
        welcome.hostID = hostID
        welcome.heartbeatRequestEvery = heartbeatRequestEvery
        let session = NegotiatedSession(
            version: high, capabilities: shared, limits: limits, heartbeatInterval: heartbeatInterval,
            hostID: hostID, peerVersion: hello.agentVersion,
            heartbeatRequestEvery: heartbeatRequestEvery)
        return .success((welcome, session))
    }
}

/// The client's side of the opening exchange: builds `Hello`, checks `Welcome`.
public struct ClientHelloPolicy: Hashable, Sendable {
    /// Lowest protocol version this client speaks.
    public var minVersion: UInt32
    /// Highest protocol version this client speaks.
    public var maxVersion: UInt32
    /// Capabilities this client supports.
    public var capabilities: Set<String>
    /// Software version, sent as `agent_version`.
    public var softwareVersion: String
    /// The host's name (informational).
    public var hostname: String

    /// Version 1 only and `zlib`.
    public init(
        minVersion: UInt32 = DroverVersion.protocolVersion,
        maxVersion: UInt32 = DroverVersion.protocolVersion,
        capabilities: Set<String> = [WireProtocol.Capability.zlib],
        softwareVersion: String = DroverVersion.software,
        hostname: String = ""
    ) {
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.capabilities = capabilities
        self.softwareVersion = softwareVersion
        self.hostname = hostname
    }

    /// The `Hello` to send as request 1.
    public var hello: Drover_V1_Hello {
        var hello = Drover_V1_Hello()
        hello.minVersion = minVersion
        hello.maxVersion = maxVersion
        hello.capabilities = capabilities.sorted()
        hello.agentVersion = softwareVersion
        hello.hostname = hostname
        return hello
    }

    /// Checks the server's `Welcome` and settles the session.
    ///
    /// Capabilities the client did not offer are dropped (a server must not add any).
    /// `heartbeat_request_every` is taken within 1...``WireProtocol/maxHeartbeatRequestEvery``
    /// (0, from a controller that predates it, means every heartbeat is a request).
    public func accept(_ welcome: Drover_V1_Welcome) -> Result<NegotiatedSession, SessionError> {
        guard (minVersion...maxVersion).contains(welcome.version) else {
            return .failure(SessionError(
                .unsupportedVersion,
                "controller chose protocol version \(welcome.version), outside \(minVersion)...\(maxVersion)"))
        }
        let interval = welcome.heartbeatIntervalMs == 0
            ? WireProtocol.defaultHeartbeatIntervalMs : welcome.heartbeatIntervalMs
        return .success(NegotiatedSession(
            version: welcome.version,
            capabilities: capabilities.intersection(welcome.capabilities),
            limits: WireLimits(welcome: welcome),
            heartbeatInterval: .milliseconds(Int64(interval)),
            hostID: welcome.hostID,
            peerVersion: welcome.controllerVersion,
            heartbeatRequestEvery: welcome.heartbeatRequestEvery))
    }
}

extension Duration {
    /// Whole milliseconds (truncated).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
