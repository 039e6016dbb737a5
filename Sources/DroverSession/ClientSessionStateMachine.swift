import DroverWire

/// The agent's side of one connection to the controller, as a pure state machine.
///
/// Sends `Hello`, checks `Welcome`, then either enrolls (§8) or runs the session: heartbeats
/// with lost detection (§7.1), host reports (§7.2), errors (§9) and `Goodbye` (§10).
public struct ClientSessionStateMachine: Sendable {
    /// Which kind of connection this is.
    public enum Kind: Sendable {
        /// A mutual-TLS session (`drover/1`).
        case agent
        /// An enrollment connection (`drover-enroll/1`) that sends this request after `Welcome`.
        case enrollment(Drover_V1_EnrollRequest)
    }

    /// Why the connection ends.
    public enum Ending: Sendable, Equatable {
        /// The controller answered the enrollment.
        case enrolled(Drover_V1_EnrollResponse)
        /// The controller said goodbye; wait at least this long before reconnecting.
        case goodbye(reason: String, reconnectAfter: Duration)
        /// The controller sent a fatal error (or refused the opening exchange).
        case refused(SessionError)
        /// We broke off: protocol violation by the controller, or heartbeats unanswered.
        case failed(String)
    }

    /// Something the I/O layer must do.
    public enum Action: Sendable {
        /// Write this frame.
        case send(Envelope)
        /// The opening exchange succeeded.
        case established(NegotiatedSession)
        /// Write the frame (if any), then close; the connection is over.
        case close(Envelope?, Ending)
        /// The controller issued a renewed certificate (§8.1); the session stays open.
        case renewed(Drover_V1_EnrollResponse)
        /// The controller declined a renewal (non-fatal); try again later.
        case renewalFailed(SessionError)
        /// The controller sent a command (§7.3): answer it with ``answerCommand(requestID:_:)`` at once.
        case command(requestID: UInt32, Drover_V1_Command)
        /// Worth a log line, nothing else.
        case log(String)
    }

    private enum Phase: Sendable {
        case idle
        case awaitingWelcome(since: ContinuousClock.Instant)
        case established(RequestCorrelator, HeartbeatTracker?, reportSequence: UInt64)
        case closed
    }

    /// The connection's kind.
    public let kind: Kind
    /// The opening exchange's policy.
    public let policy: ClientHelloPolicy
    private var phase: Phase = .idle
    /// The request id of the renewal in flight, if any.
    private var renewalRequestID: UInt32?

    /// A connection whose TLS handshake has completed.
    public init(kind: Kind, policy: ClientHelloPolicy) {
        self.kind = kind
        self.policy = policy
    }

    /// Whether the session is established (reports may be sent).
    public var isEstablished: Bool {
        if case .established = phase { return true }
        return false
    }

    /// How long the controller may take to answer `Hello`.
    ///
    /// As long as the TLS handshake deadline, for the same reason: after a controller restart the
    /// whole fleet's `Hello`s queue for it, and an agent that gives up on a slow `Welcome` throws
    /// away a finished handshake and comes back for another.
    public static let welcomeTimeout: Duration = .seconds(60)

    /// Starts the opening exchange at `now`: `Hello` as request 1.
    public mutating func start(now: ContinuousClock.Instant) -> [Action] {
        guard case .idle = phase else { return [] }
        phase = .awaitingWelcome(since: now)
        return [.send(.request(.hello(policy.hello), id: 1))]
    }

    /// Handles a received frame.
    public mutating func receive(_ frame: Frame, now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .idle, .closed:
            return []
        case .awaitingWelcome:
            return receiveWelcome(frame, now: now)
        case .established(var correlator, var tracker, let sequence):
            let inbound = correlator.receive(frame)
            var actions: [Action] = []
            switch inbound {
            case .response(_, .heartbeat(let beat)):
                tracker?.answered(sequence: beat.sequence)
            case .response(let id, .enrollResponse(let response)):
                if case .agent = kind {
                    guard id == renewalRequestID else {
                        actions.append(.log("unexpected ENROLL_RESPONSE to request \(id)"))
                        break
                    }
                    renewalRequestID = nil
                    actions.append(.renewed(response))
                } else {
                    phase = .closed
                    return [.close(nil, .enrolled(response))]
                }
            case .response(let id, .error(let error)):
                let failure = SessionError(received: error)
                if SessionError.isFatal(received: error) {
                    phase = .closed
                    return [.close(nil, .refused(failure))]
                }
                if id == renewalRequestID {
                    renewalRequestID = nil
                    actions.append(.renewalFailed(failure))
                } else {
                    actions.append(.log("request \(id) failed: \(failure)"))
                }
            case .response(let id, let message):
                actions.append(.log("unexpected \(message.messageType) response to request \(id)"))
            case .request(let id, .command(let command)) where isAgent:
                actions.append(.command(requestID: id, command))
            case .request(let id, let message):
                correlator.respond(to: id)
                let error = SessionError(
                    .permissionDenied, "the agent does not accept \(message.messageType) requests",
                    relatedType: message.messageType)
                actions.append(.send(.response(.error(error.payload), to: id)))
            case .oneWay(.goodbye(let goodbye)):
                phase = .closed
                return [
                    .close(
                        nil,
                        .goodbye(
                            reason: goodbye.reason, reconnectAfter: .milliseconds(Int64(goodbye.reconnectAfterMs))))
                ]
            case .oneWay(.error(let error)):
                if SessionError.isFatal(received: error) {
                    phase = .closed
                    return [.close(nil, .refused(SessionError(received: error)))]
                }
                actions.append(.log("controller reported error \(SessionError(received: error))"))
            case .oneWay(let message):
                actions.append(.log("ignored one-way \(message.messageType)"))
            case .reply(let envelope):
                actions.append(.send(envelope))
            case .fail(let envelope, let error):
                phase = .closed
                return [.close(envelope, .failed(error.description))]
            case .ignore(let why):
                actions.append(.log(why))
            }
            phase = .established(correlator, tracker, reportSequence: sequence)
            return actions
        }
    }

    /// Periodic work at `now`: heartbeats due, or the controller lost (or silent after `Hello`).
    public mutating func tick(now: ContinuousClock.Instant, nowUnixMs: Int64) -> [Action] {
        if case .awaitingWelcome(let since) = phase, now - since >= Self.welcomeTimeout {
            phase = .closed
            return [.close(nil, .failed("no WELCOME within \(Self.welcomeTimeout)"))]
        }
        guard case .established(var correlator, var tracker?, let sequence) = phase else { return [] }
        var beat = Drover_V1_Heartbeat()
        beat.sentUnixMs = nowUnixMs
        let isRequest: Bool
        switch tracker.tick(now: now) {
        case .idle:
            return []
        case .lost:
            phase = .closed
            return [.close(nil, .failed("controller did not answer heartbeats for \(tracker.missedLimit) intervals"))]
        case .send(let heartbeatSequence):
            (beat.sequence, isRequest) = (heartbeatSequence, true)
        case .sendOneWay(let heartbeatSequence):
            (beat.sequence, isRequest) = (heartbeatSequence, false)
        }
        defer { phase = .established(correlator, tracker, reportSequence: sequence) }
        guard isRequest else { return [.send(.oneWay(.heartbeat(beat)))] }
        guard let id = correlator.startRequest() else {
            return [.log("heartbeat \(beat.sequence) skipped: too many requests in flight")]
        }
        return [.send(.request(.heartbeat(beat), id: id))]
    }

    /// Sends a host report (one-way); its `sequence` is set here, counting from 1.
    public mutating func report(_ report: Drover_V1_HostReport) -> [Action] {
        guard case .established(let correlator, let tracker?, let sequence) = phase else { return [] }
        var report = report
        report.sequence = sequence + 1
        phase = .established(correlator, tracker, reportSequence: sequence + 1)
        return [.send(.oneWay(.hostReport(report)))]
    }

    /// Answers the controller's command request `requestID` with `ack` (§7.3).
    public mutating func answerCommand(requestID: UInt32, _ ack: Drover_V1_CommandAck) -> [Action] {
        guard case .established(var correlator, let tracker, let sequence) = phase else { return [] }
        correlator.respond(to: requestID)
        phase = .established(correlator, tracker, reportSequence: sequence)
        return [.send(.response(.commandAck(ack), to: requestID))]
    }

    /// Sends a command's progress or result (one-way, §7.3) if the session is established;
    /// otherwise nothing (results are re-sent after the next `WELCOME`).
    public mutating func commandUpdate(_ message: DroverMessage) -> [Action] {
        guard case .established = phase, case .agent = kind else { return [] }
        switch message {
        case .commandProgress, .commandResult: return [.send(.oneWay(message))]
        default: return [.log("not a command update: \(message.messageType)")]
        }
    }

    private var isAgent: Bool {
        if case .agent = kind { return true }
        return false
    }

    /// Whether a renewal request is waiting for its answer.
    public var isRenewing: Bool { renewalRequestID != nil }

    /// Asks for a renewed certificate on the session (§8.1): `ENROLL_REQUEST` without a token.
    public mutating func renew(_ request: Drover_V1_EnrollRequest) -> [Action] {
        guard case .agent = kind, renewalRequestID == nil,
            case .established(var correlator, let tracker, let sequence) = phase
        else { return [] }
        guard let id = correlator.startRequest() else {
            return [.log("renewal postponed: too many requests in flight")]
        }
        renewalRequestID = id
        phase = .established(correlator, tracker, reportSequence: sequence)
        var request = request
        request.token = ""
        return [.send(.request(.enrollRequest(request), id: id))]
    }

    /// Graceful close initiated by the agent (shutdown): `Goodbye`, then close.
    public mutating func shutdown(reason: String) -> [Action] {
        guard case .established = phase else {
            phase = .closed
            return [.close(nil, .failed(reason))]
        }
        phase = .closed
        var goodbye = Drover_V1_Goodbye()
        goodbye.reason = reason
        return [.close(.oneWay(.goodbye(goodbye)), .failed(reason))]
    }

    private mutating func receiveWelcome(_ frame: Frame, now: ContinuousClock.Instant) -> [Action] {
        let message: DroverMessage
        do {
            message = try MessageCodec.decode(frame)
        } catch {
            return violation("malformed first frame from the controller: \(error)")
        }
        if case .error(let error) = message {
            phase = .closed
            return [.close(nil, .refused(SessionError(received: error)))]
        }
        guard frame.isResponse, frame.requestID == 1, case .welcome(let welcome) = message else {
            return violation("expected WELCOME as response 1, got \(frame.type) id \(frame.requestID)")
        }
        switch policy.accept(welcome) {
        case .failure(let error):
            phase = .closed
            return [.close(.oneWay(.error(error.payload)), .failed(error.description))]
        case .success(let session):
            var correlator = RequestCorrelator(role: .initiator, limits: session.limits, firstRequestID: 3)
            switch kind {
            case .agent:
                let tracker = HeartbeatTracker(
                    interval: session.heartbeatInterval, requestEvery: session.heartbeatRequestEvery, start: now)
                phase = .established(correlator, tracker, reportSequence: 0)
                return [.established(session)]
            case .enrollment(let request):
                guard let id = correlator.startRequest() else { return violation("no request id available") }
                phase = .established(correlator, nil, reportSequence: 0)
                return [.established(session), .send(.request(.enrollRequest(request), id: id))]
            }
        }
    }

    private mutating func violation(_ message: String) -> [Action] {
        phase = .closed
        let error = SessionError(.protocolViolation, message)
        return [.close(.oneWay(.error(error.payload)), .failed(message))]
    }
}
