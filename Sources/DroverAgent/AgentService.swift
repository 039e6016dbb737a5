import DroverHost
import DroverSession
import DroverTLS
import DroverWire
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
/// TODO(#3): certificate renewal at `renew_after_unix_ms` is not implemented yet; an agent
/// whose certificate expires (90 days) must be re-enrolled with a new join token.
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
        let identity = try await loadOrEnroll()
        guard let identity else { return }  // stopped while enrolling
        let nowSeconds = UnixTime.nowMillis() / 1000
        if identity.certificate.notAfter <= nowSeconds {
            logger.error("this host's certificate has expired; remove the state directory and enroll again with a new join token", [
                "host.id": identity.hostID, "state.dir": configuration.stateDirectory,
            ])
        } else if identity.certificate.notAfter - nowSeconds < 30 * 86_400 {
            logger.warning("this host's certificate expires in less than 30 days and automatic renewal is not implemented yet", [
                "host.id": identity.hostID, "not.after": "\(identity.certificate.notAfter)",
            ])
        }
        logger.notice("starting sessions", [
            "host.id": identity.hostID,
            "controller": "\(configuration.controllerHost):\(configuration.controllerPort)",
        ])

        var tls = TLSConfiguration.client(
            certificateChain: [identity.certificate], privateKey: identity.key,
            trustRoots: [identity.caCertificate], peerVerification: .fullVerification)
        tls.alpnProtocols = [DroverVersion.alpn]
        let context = try TLSContext(configuration: tls)

        var collector = HostMetricsCollector(source: LinuxHostMetricsSource())
        _ = try? collector.collect(now: .now)  // prime the CPU counters: usage needs two samples
        var backoff = ReconnectBackoff()
        while !stopSignal.isTriggered {
            var delay: Duration
            do {
                let (established, ending) = try await runSession(context: context, collector: &collector)
                if established { backoff.reset() }
                switch ending {
                case .refused(let error) where error.code == .unauthenticated:
                    throw AgentError.unauthenticated(error.message)
                case .goodbye(let reason, let reconnectAfter):
                    logger.info("controller said goodbye: \(reason)")
                    delay = max(reconnectAfter, backoff.nextDelay())
                default:
                    delay = backoff.nextDelay()
                    if !stopSignal.isTriggered { logger.warning("session ended: \(Self.describe(ending))") }
                }
            } catch let error as AgentError {
                throw error
            } catch {
                delay = backoff.nextDelay()
                logger.warning("cannot reach the controller", ["error": "\(error)", "retry.in": "\(delay)"])
            }
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

    private func runSession(
        context: TLSContext,
        collector: inout HostMetricsCollector<LinuxHostMetricsSource>
    ) async throws -> (established: Bool, ending: ClientSessionStateMachine.Ending) {
        let connection = try await ControllerDialer(configuration: configuration).connect(context: context)
        let events = AsyncStream.makeStream(of: SessionEvent.self)
        currentSession.withLockedValue { $0 = events.continuation }
        defer { currentSession.withLockedValue { $0 = nil } }
        if stopSignal.isTriggered { events.continuation.yield(.shutdown(reason: "agent shutting down")) }

        let reportInterval = configuration.reportInterval
        let logger = self.logger
        var localCollector = collector
        defer { collector = localCollector }
        return try await connection.channel.executeThenClose { inbound, outbound in
            var writer = FrameWriter(outbound: outbound)
            var machine = ClientSessionStateMachine(
                kind: .agent, policy: ClientHelloPolicy(hostname: configuration.name))
            var ending = ClientSessionStateMachine.Ending.failed("connection ended")
            var established = false
            var nextReport = ContinuousClock.now

            func perform(_ actions: [ClientSessionStateMachine.Action]) async throws -> Bool {
                for action in actions {
                    switch action {
                    case .send(let envelope):
                        try await writer.write(envelope)
                    case .established(let session):
                        writer.apply(session)
                        established = true
                        logger.notice("session established", [
                            "host.id": session.hostID, "controller.version": session.peerVersion,
                            "heartbeat.interval": "\(session.heartbeatInterval)",
                            "capabilities": session.capabilities.sorted().joined(separator: ","),
                        ])
                    case .close(let envelope, let end):
                        if let envelope { try? await writer.write(envelope) }
                        ending = end
                        return false
                    case .log(let text):
                        logger.debug(text)
                    }
                }
                return true
            }

            guard try await perform(machine.start(now: .now)) else { return (established, ending) }
            try await SessionDriver.run(inbound: inbound, tickInterval: .milliseconds(250), events: events) { event in
                switch event {
                case .frame(let frame):
                    return try await perform(machine.receive(frame, now: .now))
                case .tick:
                    let now = ContinuousClock.now
                    var actions = machine.tick(now: now, nowUnixMs: UnixTime.nowMillis())
                    if machine.isEstablished, now >= nextReport {
                        nextReport = now + reportInterval
                        do {
                            let snapshot = try localCollector.collect(now: now)
                            actions += machine.report(
                                HostReportBuilder.report(from: snapshot, collectedUnixMs: UnixTime.nowMillis()))
                        } catch {
                            logger.warning("collecting host metrics failed", ["error": "\(error)"])
                        }
                    }
                    return try await perform(actions)
                case .shutdown(let reason):
                    return try await perform(machine.shutdown(reason: reason))
                case .inboundEnded(let error):
                    ending = .failed(error.map { "connection lost: \($0)" } ?? "the controller closed the connection")
                    return false
                }
            }
            return (established, ending)
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
