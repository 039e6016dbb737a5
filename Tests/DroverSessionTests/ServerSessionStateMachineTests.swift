import DroverSession
import DroverWire
import Testing

@Suite struct ServerSessionStateMachineTests {
    let start = ContinuousClock.now
    let policy = ServerHelloPolicy(heartbeatInterval: .seconds(5))

    func helloFrame(id: UInt32 = 1, min: UInt32 = 1, max: UInt32 = 1) -> Frame {
        var hello = Drover_V1_Hello()
        hello.minVersion = min
        hello.maxVersion = max
        hello.capabilities = ["zlib"]
        return frame(.request(.hello(hello), id: id))
    }

    func established(_ kind: ServerSessionStateMachine.Kind = .agent(hostID: "h-abc")) -> ServerSessionStateMachine {
        var machine = ServerSessionStateMachine(kind: kind, policy: policy, openedAt: start)
        _ = machine.receive(helloFrame(), now: start, nowUnixMs: 0)
        return machine
    }

    @Test func helloGetsWelcomeWithTheHostID() {
        var machine = ServerSessionStateMachine(kind: .agent(hostID: "h-abc"), policy: policy, openedAt: start)
        let actions = machine.receive(helloFrame(), now: start, nowUnixMs: 0)
        guard actions.count == 2, case .send(let envelope) = actions[0], case .welcome(let welcome) = envelope.message,
            case .established(let session) = actions[1]
        else {
            Issue.record("expected Welcome + established, got \(actions)")
            return
        }
        #expect(envelope.isResponse && envelope.requestID == 1)
        #expect(welcome.hostID == "h-abc")
        #expect(welcome.capabilities == ["zlib"])
        #expect(welcome.heartbeatIntervalMs == 5000)
        #expect(session.compression)
    }

    @Test func anyOtherFirstFrameIsAFatalProtocolViolation() {
        for first in [frame(.request(heartbeat(1), id: 1)), helloFrame(id: 3), frame(.oneWay(heartbeat(1)))] {
            var machine = ServerSessionStateMachine(kind: .enrollment, policy: policy, openedAt: start)
            let actions = machine.receive(first, now: start, nowUnixMs: 0)
            guard case .close(let envelope?, _) = actions.first else {
                Issue.record("expected a fatal close, got \(actions)")
                continue
            }
            #expect(envelope.message.errorPayload?.code == .protocolViolation)
            #expect(envelope.message.errorPayload?.fatal == true)
            #expect(machine.isClosed)
        }
    }

    @Test func versionMismatchIsAnsweredAsTheResponseToHello() {
        var machine = ServerSessionStateMachine(kind: .enrollment, policy: policy, openedAt: start)
        let actions = machine.receive(helloFrame(min: 2, max: 3), now: start, nowUnixMs: 0)
        guard case .close(let envelope?, _) = actions.first else {
            Issue.record("expected close")
            return
        }
        #expect(envelope.isResponse && envelope.requestID == 1)
        #expect(envelope.message.errorPayload?.code == .unsupportedVersion)
    }

    @Test func heartbeatsAreEchoedWithTheControllerClock() {
        var machine = established()
        let actions = machine.receive(frame(.request(heartbeat(42), id: 3)), now: start, nowUnixMs: 123_456)
        guard case .send(let envelope) = actions.first, case .heartbeat(let answer) = envelope.message else {
            Issue.record("expected a heartbeat response, got \(actions)")
            return
        }
        #expect(envelope.isResponse && envelope.requestID == 3)
        #expect(answer.sequence == 42)
        #expect(answer.sentUnixMs == 123_456)
    }

    @Test func silentAgentIsLostAfterThreeIntervals() {
        var machine = established()
        #expect(machine.tick(now: start + .seconds(14)).isEmpty)
        _ = machine.receive(frame(.request(heartbeat(1), id: 3)), now: start + .seconds(10), nowUnixMs: 0)
        #expect(machine.tick(now: start + .seconds(24)).isEmpty)
        let actions = machine.tick(now: start + .seconds(25))
        guard case .peerLost = actions.first, case .close(nil, let reason) = actions.last else {
            Issue.record("expected the agent to be lost")
            return
        }
        #expect(reason.contains("lost"))
    }

    @Test func welcomeAsksForEverySixthHeartbeatAsARequestByDefault() {
        var machine = ServerSessionStateMachine(kind: .agent(hostID: "h-abc"), policy: policy, openedAt: start)
        let actions = machine.receive(helloFrame(), now: start, nowUnixMs: 0)
        guard case .send(let envelope) = actions.first, case .welcome(let welcome) = envelope.message,
            case .established(let session) = actions.last
        else {
            Issue.record("expected Welcome + established, got \(actions)")
            return
        }
        #expect(welcome.heartbeatRequestEvery == 6)
        #expect(session.heartbeatRequestEvery == 6)
    }

    @Test func oneWayHeartbeatsKeepTheAgentAliveAndGetNoAnswer() {
        var machine = established()
        for second in stride(from: 5, through: 60, by: 5) {
            let actions = machine.receive(
                frame(.oneWay(heartbeat(UInt64(second / 5)))), now: start + .seconds(second), nowUnixMs: 0)
            #expect(actions.isEmpty)
            #expect(machine.tick(now: start + .seconds(second)).isEmpty)
        }
        // Silent from 60 s on: lost at 75 s.
        #expect(machine.tick(now: start + .seconds(74)).isEmpty)
        guard case .peerLost = machine.tick(now: start + .seconds(75)).first else {
            Issue.record("expected the agent to be lost 3 intervals after its last one-way heartbeat")
            return
        }
    }

    @Test func enrollmentConnectionsDoNotCountOneWayHeartbeatsAsLife() {
        var machine = established(.enrollment)
        let actions = machine.receive(frame(.oneWay(heartbeat(1))), now: start, nowUnixMs: 0)
        guard case .log(let text) = actions.first else {
            Issue.record("expected the heartbeat to be ignored, got \(actions)")
            return
        }
        #expect(text.contains("ignored"))
    }

    @Test func reportsAreDeliveredAndUnknownRequestsAnsweredWithoutClosing() {
        var machine = established()
        var report = Drover_V1_HostReport()
        report.sequence = 7
        guard
            case .hostReport(let delivered) = machine.receive(
                frame(.oneWay(.hostReport(report))), now: start, nowUnixMs: 0
            ).first
        else {
            Issue.record("expected the report")
            return
        }
        #expect(delivered.sequence == 7)

        let actions = machine.receive(rawFrame(type: 0x0777, requestID: 5), now: start, nowUnixMs: 0)
        guard case .send(let envelope) = actions.first else {
            Issue.record("expected an error reply")
            return
        }
        #expect(envelope.message.errorPayload?.code == .unknownMessageType)
        #expect(!machine.isClosed)

        // An agent may not send a COMMAND: non-fatal PERMISSION_DENIED.
        let command = machine.receive(frame(.request(.command(Drover_V1_Command()), id: 7)), now: start, nowUnixMs: 0)
        guard case .send(let denied) = command.first else {
            Issue.record("expected a refusal")
            return
        }
        #expect(denied.message.errorPayload?.code == .permissionDenied)
        #expect(!machine.isClosed)
    }

    @Test func commandsGoOutAsEvenRequestsAndTheirAnswersComeBack() {
        var machine = established()
        var command = Drover_V1_Command()
        command.id = "cmd-1"
        command.kind = .swap
        guard case .send(let request) = machine.sendCommand(command).first else {
            Issue.record("expected the command to be sent")
            return
        }
        #expect(!request.isResponse && request.requestID % 2 == 0 && request.requestID != 0)
        #expect(machine.unansweredCommands == ["cmd-1"])

        var ack = Drover_V1_CommandAck()
        ack.commandID = "cmd-1"
        ack.status = .accepted
        guard
            case .commandAck(let answer) = machine.receive(
                frame(.response(.commandAck(ack), to: request.requestID)), now: start, nowUnixMs: 0
            ).first
        else {
            Issue.record("expected the ack")
            return
        }
        #expect(answer.status == .accepted && machine.unansweredCommands.isEmpty)

        var progress = Drover_V1_CommandProgress()
        progress.commandID = "cmd-1"
        progress.step = "health-check"
        guard
            case .commandProgress(let step) = machine.receive(
                frame(.oneWay(.commandProgress(progress))), now: start, nowUnixMs: 0
            ).first
        else {
            Issue.record("expected the progress")
            return
        }
        #expect(step.step == "health-check")
        var result = Drover_V1_CommandResult()
        result.commandID = "cmd-1"
        result.outcome = .failed
        guard
            case .commandResult(let outcome) = machine.receive(
                frame(.oneWay(.commandResult(result))), now: start, nowUnixMs: 0
            ).first
        else {
            Issue.record("expected the result")
            return
        }
        #expect(outcome.outcome == .failed)

        // An Error answer fails the command (it may be re-sent); the connection stays open.
        command.id = "cmd-2"
        guard case .send(let second) = machine.sendCommand(command).first else {
            Issue.record("expected the second command to be sent")
            return
        }
        #expect(second.requestID != request.requestID)
        let error = SessionError(.internal, "disk full")
        guard
            case .commandFailed(let failedID, let reason) = machine.receive(
                frame(.response(.error(error.payload), to: second.requestID)), now: start, nowUnixMs: 0
            ).first
        else {
            Issue.record("expected the command to fail")
            return
        }
        #expect(failedID == "cmd-2" && reason.contains("disk full") && !machine.isClosed)
    }

    @Test func commandsCannotBeSentBeforeTheSessionIsEstablished() {
        var machine = ServerSessionStateMachine(kind: .agent(hostID: "h-abc"), policy: policy, openedAt: start)
        var command = Drover_V1_Command()
        command.id = "early"
        guard case .commandFailed(let id, _) = machine.sendCommand(command).first else {
            Issue.record("expected a failure")
            return
        }
        #expect(id == "early")
        var enrollment = established(.enrollment)
        guard case .commandFailed = enrollment.sendCommand(command).first else {
            Issue.record("enrollment connections carry no commands")
            return
        }
    }

    @Test func clientsThatStallAreClosed() {
        var silent = ServerSessionStateMachine(kind: .enrollment, policy: policy, openedAt: start)
        let limit = ServerSessionStateMachine.helloTimeout
        #expect(silent.tick(now: start + limit - .seconds(1)).isEmpty)
        guard case .close(let notice?, _) = silent.tick(now: start + limit).first else {
            Issue.record("expected a close for a missing Hello")
            return
        }
        #expect(notice.message.errorPayload?.code == .protocolViolation)

        var dawdling = established(.enrollment)
        #expect(dawdling.tick(now: start + .seconds(29)).isEmpty)
        guard case .close = dawdling.tick(now: start + .seconds(30)).first else {
            Issue.record("expected an enrollment that never sends its request to be closed")
            return
        }
        #expect(dawdling.isClosed)
    }

    @Test func shutdownSaysGoodbye() {
        var machine = established()
        guard case .close(let envelope?, _) = machine.shutdown(reason: "restart", reconnectAfter: .seconds(2)).first,
            case .goodbye(let goodbye) = envelope.message
        else {
            Issue.record("expected Goodbye")
            return
        }
        #expect(goodbye.reason == "restart")
        #expect(goodbye.reconnectAfterMs == 2000)
        #expect(machine.isClosed)
        #expect(machine.shutdown(reason: "again", reconnectAfter: .zero).isEmpty)
    }

    @Test func enrollmentConnectionsOnlyAcceptEnrollRequest() {
        var machine = established(.enrollment)
        let actions = machine.receive(frame(.request(heartbeat(1), id: 3)), now: start, nowUnixMs: 0)
        guard case .close(let envelope?, _) = actions.first else {
            Issue.record("expected a fatal close")
            return
        }
        #expect(envelope.message.errorPayload?.code == .unauthenticated)
        #expect(envelope.requestID == 3)

        var enrolling = established(.enrollment)
        var request = Drover_V1_EnrollRequest()
        request.token = "drv_x"
        guard
            case .enroll(let id, let delivered) = enrolling.receive(
                frame(.request(.enrollRequest(request), id: 3)), now: start, nowUnixMs: 0
            ).first
        else {
            Issue.record("expected enroll")
            return
        }
        #expect(id == 3 && delivered.token == "drv_x")
        let refusal = SessionError(.enrollmentRefused, "the join token has expired")
        guard case .close(let answer?, _) = enrolling.enrollmentFinished(requestID: 3, result: .failure(refusal)).first
        else {
            Issue.record("expected the refusal to be sent")
            return
        }
        #expect(answer.isResponse && answer.requestID == 3)
        #expect(answer.message.errorPayload?.code == .enrollmentRefused)
        #expect(answer.message.errorPayload?.fatal == true)
    }
}

extension ContinuousClock.Instant {
    static func + (lhs: Self, rhs: Double) -> Self { lhs + .milliseconds(Int64(rhs * 1000)) }
}

/// ``ServerSessionStateMachine/receiveSteady(_:now:nowUnixMs:)``: which frames it takes and
/// that its decisions are those of ``ServerSessionStateMachine/receive(_:now:nowUnixMs:)``.
@Suite struct SteadyFrameTests {
    let start = ContinuousClock.now

    func established(_ kind: ServerSessionStateMachine.Kind = .agent(hostID: "h-abc")) -> ServerSessionStateMachine {
        var hello = Drover_V1_Hello()
        hello.minVersion = 1
        hello.maxVersion = 1
        var machine = ServerSessionStateMachine(kind: kind, policy: ServerHelloPolicy(), openedAt: start)
        _ = machine.receive(frame(.request(.hello(hello), id: 1)), now: start, nowUnixMs: 0)
        return machine
    }

    @Test func heartbeatsAndReportsOfAnEstablishedAgentSession() {
        var machine = established()
        guard case .send(let answer)? = machine.receiveSteady(
            frame(.request(heartbeat(7), id: 3)), now: start, nowUnixMs: 99)?.first,
            case .heartbeat(let beat) = answer.message
        else {
            Issue.record("expected the heartbeat's answer")
            return
        }
        #expect(answer.isResponse && answer.requestID == 3 && beat.sequence == 7 && beat.sentUnixMs == 99)
        #expect(machine.receiveSteady(frame(.oneWay(heartbeat(8))), now: start, nowUnixMs: 0)?.isEmpty == true)
        var report = Drover_V1_HostReport()
        report.sequence = 4
        guard case .hostReport(let delivered)? = machine.receiveSteady(
            frame(.oneWay(.hostReport(report))), now: start, nowUnixMs: 0)?.first
        else {
            Issue.record("expected the report")
            return
        }
        #expect(delivered.sequence == 4)
    }

    @Test func everythingElseIsLeftToReceive() {
        var opening = ServerSessionStateMachine(kind: .agent(hostID: "h-abc"), policy: ServerHelloPolicy(), openedAt: start)
        #expect(opening.receiveSteady(frame(.request(heartbeat(1), id: 3)), now: start, nowUnixMs: 0) == nil)
        var enrollment = established(.enrollment)
        #expect(enrollment.receiveSteady(frame(.request(heartbeat(1), id: 3)), now: start, nowUnixMs: 0) == nil)
        var machine = established()
        var goodbye = Drover_V1_Goodbye()
        goodbye.reason = "bye"
        #expect(machine.receiveSteady(frame(.oneWay(.goodbye(goodbye))), now: start, nowUnixMs: 0) == nil)
        #expect(machine.receiveSteady(frame(.response(heartbeat(1), to: 2)), now: start, nowUnixMs: 0) == nil)
        #expect(!machine.isClosed)
    }

    @Test func aViolationClosesLikeReceiveDoes() {
        var machine = established()
        // Even ids are the controller's: a request with one is a fatal protocol violation.
        guard case .close(let notice?, let reason)? = machine.receiveSteady(
            frame(.request(heartbeat(1), id: 4)), now: start, nowUnixMs: 0)?.first
        else {
            Issue.record("expected a close")
            return
        }
        #expect(notice.message.errorPayload?.code == .protocolViolation)
        #expect(reason.contains("parity"))
        #expect(machine.isClosed)
        #expect(machine.receiveSteady(frame(.oneWay(heartbeat(2))), now: start, nowUnixMs: 0) == nil)
    }
}
