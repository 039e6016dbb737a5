import DroverSession
import DroverWire
import Testing

@Suite struct ClientSessionStateMachineTests {
    let start = ContinuousClock.now

    func welcome(hostID: String = "h-abc", heartbeatMs: UInt32 = 1000, requestEvery: UInt32 = 0) -> Frame {
        var welcome = Drover_V1_Welcome()
        welcome.version = 1
        welcome.capabilities = ["zlib"]
        welcome.heartbeatIntervalMs = heartbeatMs
        welcome.hostID = hostID
        welcome.heartbeatRequestEvery = requestEvery
        return frame(.response(.welcome(welcome), to: 1))
    }

    func sent(_ actions: [ClientSessionStateMachine.Action]) -> [Envelope] {
        actions.compactMap { if case .send(let envelope) = $0 { envelope } else { nil } }
    }

    @Test func opensWithHelloAsRequestOne() {
        var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy(hostname: "web-1"))
        let envelopes = sent(machine.start(now: start))
        #expect(envelopes.count == 1)
        guard case .hello(let hello) = envelopes.first?.message else {
            Issue.record("expected Hello")
            return
        }
        #expect(envelopes.first?.requestID == 1 && envelopes.first?.isResponse == false)
        #expect(hello.minVersion == 1 && hello.maxVersion == 1)
        #expect(hello.capabilities == ["zlib"])
        #expect(hello.hostname == "web-1")
    }

    @Test func enrollmentSendsTheRequestAfterWelcomeAndEndsWithTheResponse() {
        var request = Drover_V1_EnrollRequest()
        request.token = "drv_secret"
        var machine = ClientSessionStateMachine(kind: .enrollment(request), policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        let actions = machine.receive(welcome(hostID: ""), now: start)
        let envelopes = sent(actions)
        guard case .enrollRequest(let sentRequest) = envelopes.first?.message else {
            Issue.record("expected EnrollRequest, got \(actions)")
            return
        }
        #expect(envelopes.first?.requestID == 3)
        #expect(sentRequest.token == "drv_secret")

        var response = Drover_V1_EnrollResponse()
        response.hostID = "h-new"
        guard
            case .close(nil, .enrolled(let received)) = machine.receive(
                frame(.response(.enrollResponse(response), to: 3)), now: start
            ).first
        else {
            Issue.record("expected enrolled")
            return
        }
        #expect(received.hostID == "h-new")
    }

    @Test func refusalEndsTheConnectionWithTheControllersReason() {
        var machine = ClientSessionStateMachine(
            kind: .enrollment(Drover_V1_EnrollRequest()), policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        _ = machine.receive(welcome(hostID: ""), now: start)
        let error = SessionError(.enrollmentRefused, "enrollment refused: the join token is used up")
        guard
            case .close(nil, .refused(let refusal)) = machine.receive(
                frame(.response(.error(error.payload), to: 3)), now: start
            ).first
        else {
            Issue.record("expected refused")
            return
        }
        #expect(refusal.code == .enrollmentRefused)
        #expect(refusal.message.contains("used up"))
    }

    @Test func silentControllerAfterHelloIsGivenUpOn() {
        var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        let limit = ClientSessionStateMachine.welcomeTimeout
        #expect(machine.tick(now: start + limit - .seconds(1), nowUnixMs: 0).isEmpty)
        guard case .close(nil, .failed(let reason)) = machine.tick(now: start + limit, nowUnixMs: 0).first else {
            Issue.record("expected a failure")
            return
        }
        #expect(reason.contains("WELCOME"))
    }

    @Test func renewalIsARequestOnTheSessionWithoutAToken() {
        var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        _ = machine.receive(welcome(), now: start)
        var request = Drover_V1_EnrollRequest()
        request.token = "must-not-be-sent"
        let envelopes = sent(machine.renew(request))
        guard case .enrollRequest(let sentRequest) = envelopes.first?.message else {
            Issue.record("expected EnrollRequest")
            return
        }
        #expect(sentRequest.token.isEmpty)
        #expect(machine.isRenewing)
        #expect(machine.renew(request).isEmpty)  // one at a time

        let id = envelopes[0].requestID
        var response = Drover_V1_EnrollResponse()
        response.hostID = "h-abc"
        guard
            case .renewed(let renewed) = machine.receive(
                frame(.response(.enrollResponse(response), to: id)), now: start
            ).first
        else {
            Issue.record("expected renewed")
            return
        }
        #expect(renewed.hostID == "h-abc")
        #expect(!machine.isRenewing && machine.isEstablished)

        _ = machine.renew(request)
        let error = SessionError(.invalidArgument, "bad CSR")
        guard
            case .renewalFailed(let failure) = machine.receive(
                frame(.response(.error(error.payload), to: id + 2)), now: start
            ).first
        else {
            Issue.record("expected renewalFailed")
            return
        }
        #expect(failure.code == .invalidArgument)
        #expect(machine.isEstablished)
    }

    @Test func unauthenticatedFirstFrameIsARefusal() {
        var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        let error = SessionError(.unauthenticated, "host was removed")
        guard
            case .close(nil, .refused(let refusal)) = machine.receive(frame(.oneWay(.error(error.payload))), now: start)
                .first
        else {
            Issue.record("expected refused")
            return
        }
        #expect(refusal.code == .unauthenticated)
    }

    @Test func heartbeatsReportsAndLoss() {
        var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        guard case .established(let session) = machine.receive(welcome(), now: start).first else {
            Issue.record("expected established")
            return
        }
        #expect(session.hostID == "h-abc" && session.compression)

        // Reports are numbered from 1.
        let reports = (0..<3).flatMap { _ in sent(machine.report(Drover_V1_HostReport())) }
        let sequences = reports.compactMap { if case .hostReport(let r) = $0.message { r.sequence } else { nil } }
        #expect(sequences == [1, 2, 3])
        #expect(reports.allSatisfy { $0.requestID == 0 })

        // Heartbeat 1 at 1 s as request 3; answered.
        let first = sent(machine.tick(now: start + .seconds(1), nowUnixMs: 1))
        guard case .heartbeat(let beat) = first.first?.message else {
            Issue.record("expected a heartbeat")
            return
        }
        #expect(first.first?.requestID == 3 && beat.sequence == 1)
        _ = machine.receive(frame(.response(heartbeat(1), to: 3)), now: start + .seconds(1))

        // Then unanswered ones: lost 3 intervals after the first unanswered one.
        _ = machine.tick(now: start + .seconds(2), nowUnixMs: 2)
        _ = machine.tick(now: start + .seconds(3), nowUnixMs: 3)
        _ = machine.tick(now: start + .seconds(4), nowUnixMs: 4)
        guard case .close(nil, .failed(let reason)) = machine.tick(now: start + .seconds(5), nowUnixMs: 5).first else {
            Issue.record("expected the controller to be lost")
            return
        }
        #expect(reason.contains("heartbeats"))
    }

    @Test func heartbeatsBetweenRequestsGoOneWayWhenTheControllerAsks() {
        var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        guard case .established(let session) = machine.receive(welcome(requestEvery: 3), now: start).first else {
            Issue.record("expected established")
            return
        }
        #expect(session.heartbeatRequestEvery == 3)
        var beats: [(sequence: UInt64, requestID: UInt32)] = []
        for tick in 1...15 {  // every 0.5 s
            let now = start + .milliseconds(500 * tick)
            for envelope in sent(machine.tick(now: now, nowUnixMs: 0)) {
                guard case .heartbeat(let beat) = envelope.message else { continue }
                beats.append((beat.sequence, envelope.requestID))
                if envelope.requestID != 0 {
                    _ = machine.receive(frame(.response(heartbeat(beat.sequence), to: envelope.requestID)), now: now)
                }
            }
        }
        // One heartbeat per interval; the 1st, 4th and 7th are requests (odd ids from 3), the rest one-way.
        #expect(beats.map(\.sequence) == Array(1...7))
        #expect(beats.map(\.requestID) == [3, 0, 0, 5, 0, 0, 7])
        #expect(machine.isEstablished)
    }

    @Test func aControllerThatPredatesSparseHeartbeatsGetsOnlyRequests() {
        for requestEvery: UInt32 in [0, 1] {
            var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
            _ = machine.start(now: start)
            _ = machine.receive(welcome(requestEvery: requestEvery), now: start)
            var ids: [UInt32] = []
            for second in 1...4 {
                for envelope in sent(machine.tick(now: start + .seconds(second), nowUnixMs: 0)) {
                    guard case .heartbeat(let beat) = envelope.message else { continue }
                    ids.append(envelope.requestID)
                    _ = machine.receive(frame(.response(heartbeat(beat.sequence), to: envelope.requestID)), now: start)
                }
            }
            #expect(ids == [3, 5, 7, 9])
        }
    }

    @Test func anOutsizedRequestSpacingIsCapped() {
        var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        guard case .established(let session) = machine.receive(welcome(requestEvery: 1000), now: start).first else {
            Issue.record("expected established")
            return
        }
        #expect(session.heartbeatRequestEvery == Int(WireProtocol.maxHeartbeatRequestEvery))
    }

    @Test func commandsAreHandedOverAndAnsweredAsResponses() {
        var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        _ = machine.receive(welcome(), now: start)
        var command = Drover_V1_Command()
        command.id = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
        let actions = machine.receive(frame(.request(.command(command), id: 2)), now: start)
        guard case .command(let requestID, let received) = actions.first else {
            Issue.record("expected the command to be handed over, got \(actions)")
            return
        }
        #expect(requestID == 2 && received.id == command.id)
        var ack = Drover_V1_CommandAck()
        ack.commandID = command.id
        ack.status = .accepted
        let answer = sent(machine.answerCommand(requestID: requestID, ack))
        #expect(answer.first?.requestID == 2 && answer.first?.isResponse == true)
        guard case .commandAck(let echoed) = answer.first?.message else {
            Issue.record("expected an ack")
            return
        }
        #expect(echoed.status == .accepted)

        var result = Drover_V1_CommandResult()
        result.commandID = command.id
        result.outcome = .succeeded
        let update = sent(machine.commandUpdate(.commandResult(result)))
        #expect(update.first?.requestID == 0 && update.first?.isResponse == false)
        guard case .commandResult = update.first?.message else {
            Issue.record("expected the result to be sent one-way")
            return
        }
        #expect(
            machine.commandUpdate(.heartbeat(Drover_V1_Heartbeat())).allSatisfy {
                if case .send = $0 { false } else { true }
            })
    }

    @Test func goodbyeCarriesTheReconnectDelay() {
        var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
        _ = machine.start(now: start)
        _ = machine.receive(welcome(), now: start)

        var goodbye = Drover_V1_Goodbye()
        goodbye.reason = "controller restarting"
        goodbye.reconnectAfterMs = 1500
        guard
            case .close(nil, .goodbye(let reason, let after)) = machine.receive(
                frame(.oneWay(.goodbye(goodbye))), now: start
            ).first
        else {
            Issue.record("expected goodbye")
            return
        }
        #expect(reason == "controller restarting" && after == .milliseconds(1500))
    }
}
