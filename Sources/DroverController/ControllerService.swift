import DroverSession
import DroverStore
import DroverTLS
import DroverWire
import NIOCore
import NIOPosix

/// The controller daemon's agent side: opens the data directory (fleet CA, controller
/// certificate, `state.db`), listens for agents on one TLS port (sessions and enrollment),
/// and runs every connection until ``shutdown()`` or cancellation.
///
/// Start it in-process (e.g. `drover dev`):
/// ```swift
/// let service = try ControllerService(configuration: ControllerConfiguration(
///     dataDirectory: dir, listenHost: "127.0.0.1", listenPort: 0))
/// print(service.caPin)
/// try await service.run { address in print("listening on \(address)") }
/// ```
public final class ControllerService: Sendable {
    /// The configuration it was started with.
    public let configuration: ControllerConfiguration
    /// The durable state (`<data-dir>/state.db`).
    public let store: SQLiteStateStore
    /// The fleet CA and the controller certificate.
    public let pki: ControllerPKI
    /// Live connections.
    public let registry: HostRegistry
    /// Where host facts go.
    public let reportSink: any HostReportSink
    /// Where agents' command answers go: attach the rollout coordinator.
    public let commands: AgentCommandRouter
    /// Refused enrollments, recorded at most once per address and minute (flush it on a schedule).
    public let enrollmentRefusals: EnrollmentRefusalLimiter
    /// The audit log (the API's mutating calls, refused enrollments), logging on `drover.audit`.
    public let audit: AuditRecorder
    private let services: ControllerServices
    private let tlsContext: TLSContext
    private let stopSignal = ShutdownSignal()
    private let logger: DroverLogger

    /// Opens (or on first start creates) the data directory, the CA and the store.
    ///
    /// - Parameter makeReportSink: builds the sink from the store; `nil` uses ``StoreHostReportSink``.
    public init(
        configuration: ControllerConfiguration,
        makeReportSink: (@Sendable (any StateStore) -> any HostReportSink)? = nil,
        logger: DroverLogger = DroverLogger(label: "drover.controller")
    ) throws {
        self.configuration = configuration
        self.logger = logger
        try PrivateFile.makeDirectory(configuration.dataDirectory)
        let store = try SQLiteStateStore(path: configuration.databasePath)
        self.store = store
        // A specific listen address is a name agents will dial, so the certificate carries it too.
        var names = configuration.serverNames
        if !["0.0.0.0", "::", ""].contains(configuration.listenHost) { names.append(configuration.listenHost) }
        let pki = try ControllerPKI.loadOrCreate(
            directory: configuration.dataDirectory, serverNames: names, now: UnixTime.nowMillis() / 1000)
        self.pki = pki
        if pki.createdCA {
            logger.notice("created the fleet CA", ["ca.pin": pki.caPin, "data.dir": configuration.dataDirectory])
        }
        let denyList = TLSDenyList(fingerprints: try store.revokedFingerprints())
        self.tlsContext = try TLSContext(configuration: pki.serverTLSConfiguration(denyList: denyList))
        let registry = HostRegistry()
        self.registry = registry
        let sink = makeReportSink?(store) ?? StoreHostReportSink(store: store)
        self.reportSink = sink
        let commands = AgentCommandRouter(logger: logger)
        self.commands = commands
        let auditLogger = DroverLogger(label: "drover.audit")
        let audit = AuditRecorder(store: store, log: { auditLogger.notice($0) })
        self.audit = audit
        let refusals = EnrollmentRefusalLimiter(store: store, logger: logger, audit: audit)
        self.enrollmentRefusals = refusals
        self.services = ControllerServices(
            configuration: configuration, store: store, denyList: denyList, registry: registry, reportSink: sink,
            commands: commands,
            enrollment: EnrollmentAuthority(
                store: store, ca: pki.ca, lifetime: configuration.certificateLifetime, logger: logger,
                refusals: refusals),
            logger: logger)
    }

    /// The CA pin agents join with (`sha256:…`).
    public var caPin: String { pki.caPin }

    /// Cuts the session of a host that was removed: reloads the deny list from the store's
    /// revoked certificates (so a reconnect fails at the TLS handshake) and closes its session.
    ///
    /// - Returns: whether a session was open.
    @discardableResult
    public func disconnect(hostID: String, reason: String = "host removed from the fleet") -> Bool {
        do {
            for fingerprint in try store.revokedFingerprints() { services.denyList.add(fingerprint: fingerprint) }
        } catch {
            logger.warning("cannot reload revoked certificates", ["error": "\(error)"])
        }
        return registry.disconnect(hostID: hostID, reason: reason)
    }

    /// Starts a graceful shutdown: stop accepting, `Goodbye` to every agent, close, close the store.
    public func shutdown() {
        stopSignal.trigger()
    }

    /// Listens and serves until ``shutdown()`` is called or the task is cancelled; closes the
    /// store before returning.
    ///
    /// - Parameter onListening: called once with the bound address (useful with port 0).
    public func run(onListening: @Sendable (SocketAddress) -> Void = { _ in }) async throws {
        defer {
            do { try store.close() } catch { logger.warning("closing the store failed", ["error": "\(error)"]) }
        }
        let tls = tlsContext
        let limits = configuration.helloPolicy.limits
        let handshakeTimeout = configuration.handshakeTimeout
        // Ticks each second while a connection opens (Hello, enrollment deadlines), then only
        // once an agent has been silent for a heartbeat interval (lost detection).
        let ticker = SessionTicker(
            policy: SessionInputHandler.TickPolicy(
                interval: .seconds(1), openingPhase: ServerSessionStateMachine.enrollmentTimeout + .seconds(5),
                quietBeforeTicks: configuration.helloPolicy.heartbeatInterval))
        // Connections beyond the opening limit wait in the kernel's accept queue: the accept loop
        // below takes the next one only when a slot is free, and the listener stops accepting
        // once a few are waiting for it.
        let openings = OpeningLimiter(limit: configuration.maxOpeningConnections)
        let slotTimeout = TimeAmount.nanoseconds(configuration.openingSlotTimeout.nanoseconds)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 4096)
            // A session's reads are mostly one report and one heartbeat (about 450 bytes), and each
            // channel keeps its receive buffer between reads: start at 512 bytes, not NIO's 2 KB
            // (the buffer still grows when reads fill it).
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)
            )
            .bind(host: configuration.listenHost, port: configuration.listenPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try SessionConnection.configure(
                        channel, tls: OpenSSLHandler(context: tls), limits: limits, ticker: ticker,
                        handshakeTimeout: handshakeTimeout)
                }
            }
        if let address = server.channel.localAddress {
            logger.notice("listening for agents", ["listen.address": "\(address)", "ca.pin": caPin])
            onListening(address)
        }
        let services = self.services
        let stopSignal = self.stopSignal
        let logger = self.logger
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await stopSignal.wait()
                    logger.notice("shutting down: closing the listener and saying goodbye to agents")
                    server.channel.close(promise: nil)
                    services.registry.closeAll(reason: HostRegistry.shutdownReason)
                }
                do {
                    try await server.executeThenClose { inbound in
                        var connections = inbound.makeAsyncIterator()
                        while true {
                            let slot = await openings.acquire()
                            guard let connection = try await connections.next() else {
                                slot.release()
                                break
                            }
                            let eventLoop = connection.channel.channel.eventLoop
                            eventLoop.scheduleTask(in: slotTimeout) { slot.release() }
                            // The session runs on its channel's thread: frames in and out
                            // need no thread hops.
                            group.addTask(executorPreference: EventLoopTaskExecutor(eventLoop)) {
                                await Self.serve(connection, services: services, opening: slot)
                            }
                        }
                    }
                } catch {
                    if !stopSignal.isTriggered { logger.error("accepting connections failed", ["error": "\(error)"]) }
                }
                stopSignal.trigger()
            }
        } onCancel: {
            stopSignal.trigger()
        }
        await services.reportSink.flush()
        logger.notice("stopped")
    }

    /// Runs one accepted connection from TLS handshake to close.
    ///
    /// `opening` is released once the session is established (or refused, or over): the
    /// connection has then finished opening.
    static func serve(_ connection: SessionConnection, services: ControllerServices, opening: OpeningLimiter.Slot) async
    {
        defer { opening.release() }
        let address = Self.describe(connection.remoteAddress)
        let logger = services.logger
        let peer: TLSPeerInfo
        do {
            peer = try await connection.peer()
        } catch {
            logger.info("TLS handshake refused or failed", ["peer.address": address, "error": "\(error)"])
            await connection.discard()
            return
        }

        var refusal: SessionError?
        let kind: ServerSessionStateMachine.Kind
        switch peer.alpnProtocol {
        case DroverVersion.enrollmentALPN?:
            kind = .enrollment
        case DroverVersion.alpn?:
            switch services.authenticate(peer) {
            case .success(let hostID):
                kind = .agent(hostID: hostID)
            case .failure(let error):
                kind = .enrollment
                refusal = error
            }
        default:
            kind = .enrollment
            refusal = SessionError(.protocolViolation, "no supported application protocol negotiated")
        }
        // Enrollment (and refused) connections are past the costly part; they finish their
        // exchange without holding an opening slot.
        if case .enrollment = kind { opening.release() }

        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                let writer = FrameWriter(outbound: outbound)
                if let refusal {
                    logger.warning(
                        "session refused: \(refusal.message)",
                        [
                            "peer.address": address, "peer.cn": peer.commonName ?? "-",
                        ])
                    try await writer.write(.oneWay(.error(refusal.payload)))
                    return
                }
                guard
                    let connectionID = services.registry.register(
                        address: address, shutdown: connection.requestShutdown, command: connection.requestCommand)
                else {
                    try await writer.write(
                        .oneWay(.error(SessionError(.shuttingDown, "controller shutting down").payload)))
                    return
                }
                defer { services.registry.remove(connectionID) }
                let handler = AgentConnection(
                    kind: kind, writer: writer, connectionID: connectionID, address: address, services: services,
                    openingPhaseEnded: {
                        connection.endOpeningPhase()
                        opening.release()
                    })
                // Heartbeats and reports of the established session are handled on the event loop.
                connection.installFastPath(handler)
                do {
                    try await SessionDriver.run(events: inbound) { event in try await handler.handle(event) }
                } catch {
                    logger.info("connection failed", ["peer.address": address, "error": "\(error)"])
                }
                if let hostID = handler.establishedHostID {
                    logger.info(
                        "agent session ended: \(handler.closeReason)", ["host.id": hostID, "peer.address": address])
                    await services.reportSink.hostDisconnected(hostID: hostID, cause: handler.cause)
                } else {
                    logger.debug("connection ended: \(handler.closeReason)", ["peer.address": address])
                }
            }
        } catch {
            logger.debug("closing the connection failed", ["peer.address": address, "error": "\(error)"])
        }
    }

    /// `ip:port` of a peer.
    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        if let ip = address.ipAddress, let port = address.port { return "\(ip):\(port)" }
        return "\(address)"
    }
}
