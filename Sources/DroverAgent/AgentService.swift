import DroverHost
import DroverSession
import DroverTLS
import DroverWire
import FoundationEssentials
import NIOConcurrencyHelpers
import NIOCore

/// The agent daemon: enrolls on first start, then keeps a mutual-TLS session to the
/// controller with heartbeats and a host report every interval, reconnecting with
/// exponential backoff and full jitter.
///
/// ```swift
/// let agent = AgentService(configuration: AgentConfiguration(controllerHost: "10.0.0.1", name: "web-1"))
/// try await agent.run()   // returns after shutdown(); throws AgentError when refused for good
/// ```
///
/// The certificate is renewed on the session at `renew_after_unix_ms` (2/3 of its
/// lifetime, Protocol/README.md §8.1); the agent then reconnects with the new one.
public final class AgentService: Sendable {
    /// The configuration it runs with.
    public let configuration: AgentConfiguration
    private let logger: DroverLogger
    private let stopSignal = ShutdownSignal()
    private let currentSession = NIOLockedValueBox<AsyncStream<SessionEvent>.Continuation?>(nil)

    /// An agent for `configuration`.
    public init(configuration: AgentConfiguration, logger: DroverLogger = DroverLogger(label: "drover.agent")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Graceful stop: `Goodbye` on the open session, then ``run()`` returns.
    public func shutdown() {
        stopSignal.trigger()
        currentSession.withLockedValue { $0 }?.yield(.shutdown(reason: "agent shutting down"))
    }

    /// Runs until ``shutdown()``.
    ///
    /// - Throws: ``AgentError`` when the agent cannot go on: not enrolled and no token, the
    ///   token refused, the CA pin not matching, the host's certificate refused.
    public func run() async throws {
        guard let identity = try await loadOrEnroll() else { return }  // stopped while enrolling
        if identity.certificate.notAfter <= UnixTime.nowMillis() / 1000 {
            logger.error("this host's certificate has expired; remove the state directory and enroll again with a new join token", [
                "host.id": identity.hostID, "state.dir": configuration.stateDirectory,
            ])
        }
        logger.notice("starting sessions", [
            "host.id": identity.hostID,
            "controller": "\(configuration.controllerHost):\(configuration.controllerPort)",
            "renew.after.unix.ms": "\(identity.renewAfterUnixMs)",
        ])

        let commands: AgentCommandHandler?
        do {
            commands = try AgentCommandHandler.make(configuration: configuration, hostID: identity.hostID, logger: logger)
        } catch {
            throw AgentError.state("cannot open the swap journal or engines: \(error)")
        }
        if commands == nil {
            logger.notice("no container engine configured (--docker-socket, --process-engine): swap commands will be rejected")
        }
        guard let commands else {
            try await sessionLoop(identity: identity, commands: nil)
            return
        }
        // The host converges on its journal first, so the controller never hears "not ready".
        await commands.recover()
        // Swaps run beside the sessions and outlive a lost controller; they stop with the agent.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await commands.run() }
            let removeServices = configuration.removeServicesOnStop
            do {
                try await sessionLoop(identity: identity, commands: commands)
            } catch {
                await commands.shutdown(removeServices: removeServices)
                throw error
            }
            await commands.shutdown(removeServices: removeServices)
            try await group.waitForAll()
        }
    }

    private func sessionLoop(identity enrolled: AgentIdentity, commands: AgentCommandHandler?) async throws {
        var identity = enrolled
        var context = try Self.sessionContext(for: identity)
        var collector = HostMetricsCollector(source: LinuxHostMetricsSource())
        _ = try? collector.collect(now: .now)  // prime the CPU counters: usage needs two samples
        var backoff = ReconnectBackoff()
        var disconnectedSince = ContinuousClock.now
        while !stopSignal.isTriggered {
            var delay: Duration
            do {
                let outcome = try await runSession(context: context, identity: identity, commands: commands, collector: &collector)
                if outcome.established {
                    backoff.reset()
                    disconnectedSince = .now
                }
                if let renewed = outcome.renewed {
                    // Reconnect at once with the new certificate.
                    identity = renewed
                    context = try Self.sessionContext(for: renewed)
                    continue
                }
                switch outcome.ending {
                case .refused(let error) where error.code == .unauthenticated:
                    throw AgentError.unauthenticated(error.message)
                case .goodbye(let reason, let reconnectAfter):
                    logger.info("controller said goodbye: \(reason)")
                    delay = max(reconnectAfter, backoff.nextDelay())
                default:
                    delay = backoff.nextDelay()
                    if !stopSignal.isTriggered { logger.warning("session ended: \(Self.describe(outcome.ending))") }
                }
            } catch let error as AgentError {
                throw error
            } catch {
                delay = backoff.nextDelay()
                logger.warning("cannot reach the controller", ["error": "\(error)", "retry.in": "\(delay)"])
            }
            await commands?.controllerAbsent(for: .now - disconnectedSince)
            await pause(delay)
        }
        logger.notice("stopped")
    }

    // MARK: - Enrollment

    private func loadOrEnroll() async throws -> AgentIdentity? {
        if let identity = try AgentIdentity.load(from: configuration.stateDirectory) {
            return identity
        }
        guard let token = configuration.joinToken, !token.isEmpty else {
            throw AgentError.notEnrolled(stateDirectory: configuration.stateDirectory)
        }
        guard let pinText = configuration.caPin else { throw AgentError.missingCAPin }
        let pin: CAPin
        do {
            pin = try CAPin(parsing: pinText)
        } catch {
            throw AgentError.configuration("--ca-pin: \(error)")
        }
        do {
            try PrivateFile.makeDirectory(configuration.stateDirectory)
        } catch {
            throw AgentError.state("\(error)")
        }
        let enroller = Enroller(configuration: configuration, logger: logger)
        var backoff = ReconnectBackoff()
        while !stopSignal.isTriggered {
            do {
                let identity = try await enroller.enroll(token: token, pin: pin)
                try identity.save(to: configuration.stateDirectory)
                return identity
            } catch let error as AgentError {
                throw error
            } catch {
                let delay = backoff.nextDelay()
                logger.warning("enrollment attempt failed", ["error": "\(error)", "retry.in": "\(delay)"])
                await pause(delay)
            }
        }
        return nil
    }

    // MARK: - Session

    /// How one session went.
    private struct SessionOutcome {
        var established: Bool
        var ending: ClientSessionStateMachine.Ending
        /// Set when the certificate was renewed during the session (already saved).
        var renewed: AgentIdentity?
    }

    private static func sessionContext(for identity: AgentIdentity) throws -> TLSContext {
        var tls = TLSConfiguration.client(
            certificateChain: [identity.certificate], privateKey: identity.key,
            trustRoots: [identity.caCertificate], peerVerification: .fullVerification)
        tls.alpnProtocols = [DroverVersion.alpn]
        return try TLSContext(configuration: tls)
    }

    private func runSession(
        context: TLSContext,
        identity: AgentIdentity,
        commands: AgentCommandHandler?,
        collector: inout HostMetricsCollector<LinuxHostMetricsSource>
    ) async throws -> SessionOutcome {
        let connection = try await ControllerDialer(configuration: configuration).connect(context: context)
        let events = AsyncStream.makeStream(of: SessionEvent.self)
        currentSession.withLockedValue { $0 = events.continuation }
        defer {
            currentSession.withLockedValue { $0 = nil }
            commands?.sessionEnded()
        }
        if stopSignal.isTriggered { events.continuation.yield(.shutdown(reason: "agent shutting down")) }

        let reportInterval = configuration.reportInterval
        let stateDirectory = configuration.stateDirectory
        let hostname = configuration.name
        let logger = self.logger
        var localCollector = collector
        defer { collector = localCollector }
        return try await connection.channel.executeThenClose { inbound, outbound in
            var writer = FrameWriter(outbound: outbound)
            var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy(hostname: hostname))
            var outcome = SessionOutcome(established: false, ending: .failed("connection ended"), renewed: nil)
            var nextReport = ContinuousClock.now
            var startupPagesPending = configuration.releaseStartupPages
            var nextRenewalAttempt = ContinuousClock.now
            var renewalKey: PrivateKey?

            func perform(_ actions: [ClientSessionStateMachine.Action]) async throws -> Bool {
                // Frames due together (a heartbeat and the host report of the same tick) leave
                // with one flush: one TLS record and one wake-up of the controller, not two.
                var sends: [Envelope] = []
                for action in actions {
                    if case .send = action {} else if !sends.isEmpty {
                        try await writer.write(contentsOf: sends)
                        sends.removeAll()
                    }
                    switch action {
                    case .send(let envelope):
                        sends.append(envelope)
                    case .established(let session):
                        writer.apply(session)
                        outcome.established = true
                        // Most heartbeats get no answer (§7.1): a controller host that vanished shows
                        // in TCP instead, as reports stay unacknowledged.
                        let unacknowledgedLimit = Int(clamping: (session.heartbeatInterval * 3).milliseconds)
                        do {
                            try await connection.channel.channel.setOption(
                                .unacknowledgedDataTimeout, value: unacknowledgedLimit
                            ).get()
                        } catch {
                            logger.warning("cannot limit unacknowledged data (TCP_USER_TIMEOUT)", ["error": "\(error)"])
                        }
                        logger.notice("session established", [
                            "host.id": session.hostID, "controller.version": session.peerVersion,
                            "heartbeat.interval": "\(session.heartbeatInterval)",
                            "capabilities": session.capabilities.sorted().joined(separator: ","),
                        ])
                        if let commands {
                            let continuation = events.continuation
                            let unconfirmed = commands.sessionEstablished { continuation.yield(.commandUpdate($0)) }
                            for result in unconfirmed {
                                if try await !perform(machine.commandUpdate(.commandResult(result))) { return false }
                            }
                        }
                    case .close(let envelope, let end):
                        if let envelope { try? await writer.write(envelope) }
                        outcome.ending = end
                        return false
                    case .renewed(let response):
                        guard let key = renewalKey else { continue }
                        do {
                            let renewed = try AgentIdentity(renewing: identity, key: key, response: response)
                            try renewed.save(to: stateDirectory)
                            outcome.renewed = renewed
                            logger.notice("certificate renewed; reconnecting with it", [
                                "host.id": renewed.hostID, "renew.after.unix.ms": "\(renewed.renewAfterUnixMs)",
                            ])
                            return try await perform(machine.shutdown(reason: "agent certificate renewed, reconnecting"))
                        } catch {
                            logger.error("cannot use the renewed certificate", ["error": "\(error)"])
                        }
                    case .command(let requestID, let command):
                        let ack: Drover_V1_CommandAck
                        if let commands {
                            ack = await commands.receive(command, nowUnixMs: UnixTime.nowMillis())
                        } else {
                            var refusal = Drover_V1_CommandAck()
                            refusal.commandID = command.id
                            refusal.status = .rejected
                            refusal.reason = "this agent runs no services: start it with --docker-socket or --process-engine"
                            ack = refusal
                        }
                        if try await !perform(machine.answerCommand(requestID: requestID, ack)) { return false }
                    case .renewalFailed(let error):
                        logger.warning("the controller declined the certificate renewal; retrying later", ["error": "\(error)"])
                    case .log(let text):
                        logger.debug(text)
                    }
                }
                try await writer.write(contentsOf: sends)
                return true
            }

            guard try await perform(machine.start(now: .now)) else { return outcome }
            try await SessionDriver.run(inbound: inbound, tickInterval: .milliseconds(250), events: events) { event in
                switch event {
                case .frame(let frame):
                    return try await perform(machine.receive(frame, now: .now))
                case .tick:
                    let now = ContinuousClock.now
                    var actions = machine.tick(now: now, nowUnixMs: UnixTime.nowMillis())
                    var reported = false
                    if machine.isEstablished, now >= nextReport {
                        nextReport = now + reportInterval
                        do {
                            let snapshot = try localCollector.collect(now: now)
                            var report = HostReportBuilder.report(from: snapshot, collectedUnixMs: UnixTime.nowMillis())
                            if let commands { report.services = await commands.serviceStatuses() }
                            actions += machine.report(report)
                            reported = true
                        } catch {
                            logger.warning("collecting host metrics failed", ["error": "\(error)"])
                        }
                    }
                    if machine.isEstablished, !machine.isRenewing, now >= nextRenewalAttempt,
                        UnixTime.nowMillis() >= identity.renewAfterUnixMs
                    {
                        nextRenewalAttempt = now + .seconds(60)
                        do {
                            let key = try PrivateKey.generateP256()
                            var request = Drover_V1_EnrollRequest()
                            request.csrDer = Data(try CertificateSigningRequest(key: key, commonName: hostname).derBytes)
                            request.hostname = hostname
                            request.agentVersion = DroverVersion.software
                            renewalKey = key
                            logger.info("renewing the certificate", ["host.id": identity.hostID])
                            actions += machine.renew(request)
                        } catch {
                            logger.error("cannot prepare a certificate renewal", ["error": "\(error)"])
                        }
                    }
                    guard try await perform(actions) else { return false }
                    if reported, startupPagesPending {
                        // Start-up is over for this session: connecting, the handshake, the first report.
                        startupPagesPending = false
                        let advised = StartupPages.release()
                        logger.debug("paged out start-up pages", ["bytes": advised.map { "\($0)" } ?? "not supported"])
                    }
                    return true
                case .shutdown(let reason):
                    return try await perform(machine.shutdown(reason: reason))
                case .commandUpdate(let message):
                    return try await perform(machine.commandUpdate(message))
                case .command:
                    return true  // controller-side event
                case .inboundEnded(let error):
                    outcome.ending = .failed(error.map { "connection lost: \($0)" } ?? "the controller closed the connection")
                    return false
                }
            }
            return outcome
        }
    }

    /// Sleeps up to `duration`, waking early when the agent is stopped.
    private func pause(_ duration: Duration) async {
        let end = ContinuousClock.now + duration
        while !stopSignal.isTriggered {
            let left = end - .now
            if left <= .zero { return }
            try? await Task.sleep(for: min(left, .milliseconds(100)))
        }
    }

    static func describe(_ ending: ClientSessionStateMachine.Ending) -> String {
        switch ending {
        case .enrolled: return "enrolled"
        case .goodbye(let reason, _): return "goodbye: \(reason)"
        case .refused(let error): return "refused: \(error)"
        case .failed(let reason): return reason
        }
    }
}
