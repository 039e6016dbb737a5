import DroverWire

/// The controller's side of one agent connection, as a pure state machine.
///
/// Events in (frames, clock ticks, shutdown), actions out; the I/O layer carries the actions
/// out. Covers the opening exchange (§6), heartbeats (§7.1), host reports (§7.2),
/// enrollment (§8), errors (§9) and closing (§10) of Protocol/README.md.
public struct ServerSessionStateMachine: Sendable {
    /// Which kind of connection this is, chosen by the negotiated ALPN protocol.
    public enum Kind: Hashable, Sendable {
        /// A mutual-TLS agent session (`drover/1`) for an authenticated host.
        case agent(hostID: String)
        /// An enrollment connection (`drover-enroll/1`), no client certificate.
        case enrollment
    }

    /// Something the I/O layer must do.
    ///
    /// The rare cases with large payloads are `indirect` (boxed): actions live in the async
    /// frames of the session task, which keeps its deepest frames allocated while it runs.
    public enum Action: Sendable {
        /// Write this frame.
        case send(Envelope)
        /// Write the frame (if any), then close the connection.
        case close(Envelope?, reason: String)
        /// The opening exchange succeeded.
        indirect case established(NegotiatedSession)
        /// A host report arrived.
        case hostReport(Drover_V1_HostReport)
        /// An enrollment request arrived: check it and call ``enrollmentFinished(requestID:result:)``.
        indirect case enroll(requestID: UInt32, Drover_V1_EnrollRequest)
        /// An authenticated host asks for a new certificate (§8.1): call ``renewalFinished(requestID:result:)``.
        indirect case renew(requestID: UInt32, hostID: String, Drover_V1_EnrollRequest)
        /// The agent missed 3 heartbeat intervals (a ``close(_:reason:)`` follows).
        case peerLost
        /// The agent closed gracefully with this reason (a ``close(_:reason:)`` follows).
        case peerGoodbye(reason: String)
        /// The agent answered a command sent with ``sendCommand(_:)``.
        indirect case commandAck(Drover_V1_CommandAck)
        /// The agent reported progress of a running command.
        indirect case commandProgress(Drover_V1_CommandProgress)
        /// The agent reported how a command ended.
        indirect case commandResult(Drover_V1_CommandResult)
        /// A command could not be delivered or was answered with an `Error`; it may be re-sent.
        case commandFailed(commandID: String, reason: String)
        /// Worth a log line, nothing else.
        case log(String)
    }

    private enum Phase: Sendable {
        case awaitingHello
        case established(RequestCorrelator, HeartbeatMonitor?)
        case closed
    }

    /// How long a client may take to send `Hello` after the TLS handshake (a busy agent host, or
    /// a fleet reconnecting at once, can be slow; a stalled connection is still closed).
    public static let helloTimeout: Duration = .seconds(30)
    /// How long an enrollment connection may stay open in all.
    public static let enrollmentTimeout: Duration = .seconds(30)

    /// The connection's kind.
    public let kind: Kind
    /// The opening exchange's policy.
    public let policy: ServerHelloPolicy
    private let openedAt: ContinuousClock.Instant
    private var phase: Phase = .awaitingHello
    /// Our outstanding `COMMAND` requests: request id -> command id.
    private var pendingCommands: [UInt32: String] = [:]

    /// A connection that completed its TLS handshake at `openedAt` and awaits `Hello`.
    public init(kind: Kind, policy: ServerHelloPolicy, openedAt: ContinuousClock.Instant) {
        self.kind = kind
        self.policy = policy
        self.openedAt = openedAt
    }

    /// Whether the connection is over (no more actions will come).
    public var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    /// Handles a received frame. `now` drives heartbeats, `nowUnixMs` is stamped into answers.
    public mutating func receive(_ frame: Frame, now: ContinuousClock.Instant, nowUnixMs: Int64) -> [Action] {
        switch phase {
        case .closed:
            return []
        case .awaitingHello:
            return receiveHello(frame, now: now)
        case .established(var correlator, var monitor):
            let inbound = correlator.receive(frame)
            defer {
                if case .established = phase { phase = .established(correlator, monitor) }
            }
            switch inbound {
            case .request(let id, let message):
                return handleRequest(
                    id: id, message, correlator: &correlator, monitor: &monitor, now: now, nowUnixMs: nowUnixMs)
            case .oneWay(.heartbeat) where kind != .enrollment:
                // §7.1: a one-way heartbeat is a sign of life that wants no answer.
                monitor?.heard(at: now)
                return []
            case .oneWay(let message):
                return handleOneWay(message)
            case .response(let id, let message):
                return handleResponse(id: id, message)
            case .reply(let envelope):
                return [.send(envelope)]
            case .fail(let envelope, let error):
                phase = .closed
                return [.close(envelope, reason: error.description)]
            case .ignore(let why):
                return [.log(why)]
            }
        }
    }

    /// What an established agent session's heartbeats and host reports lead to: a subset of
    /// ``Action`` that needs no waiting, so it can be carried out where the frame was decoded.
    public enum SteadyAction: Sendable {
        /// Write this frame (a heartbeat's answer, or an error answering a request).
        case send(Envelope)
        /// A host report arrived.
        case hostReport(Drover_V1_HostReport)
        /// Write the frame (if any), then close the connection.
        case close(Envelope?, reason: String)
        /// Worth a log line, nothing else.
        case log(String)
    }

    /// Handles `frame` if it is one an established agent session gets all the time — a
    /// heartbeat (request or one-way) or a host report, not a response — and returns what
    /// to do; returns `nil` for any other frame or phase, which goes to ``receive(_:now:nowUnixMs:)``.
    ///
    /// The same decisions as ``receive(_:now:nowUnixMs:)``, narrowed to actions that need no
    /// waiting: the controller answers these on the channel's event loop, without a hop to the
    /// session task.
    public mutating func receiveSteady(_ frame: Frame, now: ContinuousClock.Instant, nowUnixMs: Int64)
        -> [SteadyAction]?
    {
        guard case .agent = kind, case .established(_, .some) = phase, !frame.isResponse,
            frame.type == .heartbeat || frame.type == .hostReport
        else { return nil }
        return receive(frame, now: now, nowUnixMs: nowUnixMs).map { action in
            switch action {
            case .send(let envelope): return .send(envelope)
            case .hostReport(let report): return .hostReport(report)
            case .close(let envelope, let reason): return .close(envelope, reason: reason)
            case .log(let text): return .log(text)
            default:
                // Heartbeats and reports lead to nothing else (pinned by the state machine's tests).
                assertionFailure("unexpected action for a \(frame.type) frame: \(action)")
                return .log("unexpected action for a \(frame.type) frame: \(action)")
            }
        }
    }

    /// Periodic check: no `Hello` in time, an enrollment that drags on, or an agent silent
    /// for 3 heartbeat intervals (lost) ends the connection.
    public mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        switch phase {
        case .awaitingHello where now - openedAt >= Self.helloTimeout:
            return violation("no HELLO within \(Self.helloTimeout)", related: MessageType(0))
        case .established(_, nil) where now - openedAt >= Self.enrollmentTimeout:
            phase = .closed
            let error = SessionError(.protocolViolation, "enrollment not completed within \(Self.enrollmentTimeout)")
            return [.close(.oneWay(.error(error.payload)), reason: error.message)]
        case .established(_, let monitor?) where monitor.isLost(now: now):
            phase = .closed
            return [.peerLost, .close(nil, reason: "no heartbeat for \(monitor.missedLimit) intervals: agent lost")]
        default:
            return []
        }
    }

    /// The result of an ``Action/enroll(requestID:_:)``: the response or the refusal to send.
    public mutating func enrollmentFinished(
        requestID: UInt32,
        result: Result<Drover_V1_EnrollResponse, SessionError>
    ) -> [Action] {
        guard case .established(var correlator, _) = phase else { return [] }
        correlator.respond(to: requestID)
        phase = .closed
        switch result {
        case .success(let response):
            return [
                .close(.response(.enrollResponse(response), to: requestID), reason: "enrolled host \(response.hostID)")
            ]
        case .failure(let error):
            return [.close(.response(.error(error.payload), to: requestID), reason: error.description)]
        }
    }

    /// The result of an ``Action/renew(requestID:hostID:_:)``: the response, or an error that
    /// is fatal only if its code is (a removed host).
    public mutating func renewalFinished(
        requestID: UInt32,
        result: Result<Drover_V1_EnrollResponse, SessionError>
    ) -> [Action] {
        guard case .established(var correlator, let monitor) = phase else { return [] }
        correlator.respond(to: requestID)
        switch result {
        case .success(let response):
            phase = .established(correlator, monitor)
            return [.send(.response(.enrollResponse(response), to: requestID))]
        case .failure(let error) where error.isFatal:
            phase = .closed
            return [.close(.response(.error(error.payload), to: requestID), reason: error.description)]
        case .failure(let error):
            phase = .established(correlator, monitor)
            return [.send(.response(.error(error.payload), to: requestID))]
        }
    }

    /// Graceful close initiated by the controller: `Goodbye`, then close.
    public mutating func shutdown(reason: String, reconnectAfter: Duration) -> [Action] {
        switch phase {
        case .closed:
            return []
        case .awaitingHello:
            phase = .closed
            let error = SessionError(.shuttingDown, reason)
            return [.close(.oneWay(.error(error.payload)), reason: reason)]
        case .established:
            phase = .closed
            var goodbye = Drover_V1_Goodbye()
            goodbye.reason = reason
            goodbye.reconnectAfterMs = UInt32(clamping: reconnectAfter.milliseconds)
            return [.close(.oneWay(.goodbye(goodbye)), reason: reason)]
        }
    }

    /// The peer's connection ended (EOF, TLS error).
    public mutating func connectionClosed() {
        phase = .closed
    }

    /// Sends `command` to the agent as a request (§7.3); the answer comes back as
    /// ``Action/commandAck(_:)``, or ``Action/commandFailed(commandID:reason:)`` when it cannot
    /// be delivered (no established agent session, `max_in_flight` reached, `Error` answer).
    public mutating func sendCommand(_ command: Drover_V1_Command) -> [Action] {
        guard case .established(var correlator, let monitor) = phase, case .agent = kind else {
            return [.commandFailed(commandID: command.id, reason: "the agent session is not established")]
        }
        guard let id = correlator.startRequest() else {
            return [.commandFailed(commandID: command.id, reason: "too many requests in flight to the agent")]
        }
        phase = .established(correlator, monitor)
        pendingCommands[id] = command.id
        return [.send(.request(.command(command), id: id))]
    }

    /// Command ids sent and not yet answered.
    public var unansweredCommands: [String] { pendingCommands.values.sorted() }

    // MARK: - Opening exchange

    private mutating func receiveHello(_ frame: Frame, now: ContinuousClock.Instant) -> [Action] {
        guard frame.type == .hello, !frame.isResponse, frame.requestID == 1 else {
            return violation(
                "first frame must be HELLO as request 1, got \(frame.type) id \(frame.requestID)", related: frame.type)
        }
        let hello: Drover_V1_Hello
        do {
            guard case .hello(let decoded) = try MessageCodec.decode(frame) else {
                return violation("HELLO did not decode as Hello", related: frame.type)
            }
            hello = decoded
        } catch {
            return violation("malformed HELLO: \(error)", related: frame.type)
        }
        let hostID: String
        switch kind {
        case .agent(let id): hostID = id
        case .enrollment: hostID = ""
        }
        switch policy.negotiate(hello, hostID: hostID) {
        case .failure(let error):
            phase = .closed
            return [.close(.response(.error(error.payload), to: 1), reason: error.description)]
        case .success(let (welcome, session)):
            let correlator = RequestCorrelator(role: .acceptor, limits: session.limits)
            let monitor: HeartbeatMonitor? =
                switch kind {
                case .agent: HeartbeatMonitor(interval: session.heartbeatInterval, start: now)
                case .enrollment: nil
                }
            phase = .established(correlator, monitor)
            return [.send(.response(.welcome(welcome), to: 1)), .established(session)]
        }
    }

    private mutating func violation(_ message: String, related: MessageType) -> [Action] {
        phase = .closed
        let error = SessionError(.protocolViolation, message, relatedType: related)
        return [.close(.oneWay(.error(error.payload)), reason: message)]
    }

    // MARK: - Established

    private mutating func handleRequest(
        id: UInt32,
        _ message: DroverMessage,
        correlator: inout RequestCorrelator,
        monitor: inout HeartbeatMonitor?,
        now: ContinuousClock.Instant,
        nowUnixMs: Int64
    ) -> [Action] {
        switch (kind, message) {
        case (.agent, .heartbeat(let beat)):
            monitor?.heard(at: now)
            correlator.respond(to: id)
            var answer = Drover_V1_Heartbeat()
            answer.sequence = beat.sequence
            answer.sentUnixMs = nowUnixMs
            return [.send(.response(.heartbeat(answer), to: id))]
        case (.enrollment, .enrollRequest(let request)):
            return [.enroll(requestID: id, request)]
        case (.agent(let hostID), .enrollRequest(let request)):
            return [.renew(requestID: id, hostID: hostID, request)]
        case (.enrollment, _):
            phase = .closed
            let error = SessionError(
                .unauthenticated, "\(message.messageType) is not allowed before enrollment",
                relatedType: message.messageType)
            return [.close(.response(.error(error.payload), to: id), reason: error.description)]
        case (.agent, .hello):
            phase = .closed
            let error = SessionError(.protocolViolation, "HELLO after the opening exchange", relatedType: .hello)
            return [.close(.response(.error(error.payload), to: id), reason: error.description)]
        case (.agent, _):
            correlator.respond(to: id)
            let error = SessionError(
                .permissionDenied, "the controller does not accept \(message.messageType) requests from agents",
                relatedType: message.messageType)
            return [.send(.response(.error(error.payload), to: id))]
        }
    }

    private mutating func handleResponse(id: UInt32, _ message: DroverMessage) -> [Action] {
        guard let commandID = pendingCommands.removeValue(forKey: id) else {
            return [.log("response \(message.messageType) to request \(id) ignored: not a command of ours")]
        }
        switch message {
        case .commandAck(let ack):
            return [.commandAck(ack)]
        case .error(let error):
            return [.commandFailed(commandID: commandID, reason: "agent answered \(SessionError(received: error))")]
        default:
            return [
                .commandFailed(
                    commandID: commandID, reason: "agent answered \(message.messageType) instead of COMMAND_ACK")
            ]
        }
    }

    private mutating func handleOneWay(_ message: DroverMessage) -> [Action] {
        switch (kind, message) {
        case (.agent, .hostReport(let report)):
            return [.hostReport(report)]
        case (.agent, .commandProgress(let progress)):
            return [.commandProgress(progress)]
        case (.agent, .commandResult(let result)):
            return [.commandResult(result)]
        case (_, .goodbye(let goodbye)):
            phase = .closed
            return [.peerGoodbye(reason: goodbye.reason), .close(nil, reason: "agent said goodbye: \(goodbye.reason)")]
        case (_, .error(let error)):
            if SessionError.isFatal(received: error) {
                phase = .closed
                return [.close(nil, reason: "agent reported fatal error \(SessionError(received: error))")]
            }
            return [.log("agent reported error \(SessionError(received: error))")]
        default:
            return [.log("ignored one-way \(message.messageType)")]
        }
    }
}
