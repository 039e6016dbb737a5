import DroverSession
import DroverWire
import Testing

@Suite struct RequestCorrelatorTests {
    @Test func unknownRequestTypeIsAnsweredAndTheConnectionKept() {
        var correlator = RequestCorrelator(role: .acceptor, limits: .default)
        guard case .reply(let envelope) = correlator.receive(rawFrame(type: 0x7F00, requestID: 5, payload: [1, 2])) else {
            Issue.record("expected a reply")
            return
        }
        #expect(envelope.isResponse && envelope.requestID == 5)
        let error = envelope.message.errorPayload
        #expect(error?.code == .unknownMessageType)
        #expect(error?.fatal == false)
        #expect(error?.relatedType == 0x7F00)
        // The id is free again and the connection goes on.
        guard case .request(id: 5, _) = correlator.receive(frame(.request(heartbeat(1), id: 5))) else {
            Issue.record("expected the request to be delivered")
            return
        }
    }

    @Test func unknownOneWayAndExtensionTypesAreIgnored() {
        var correlator = RequestCorrelator(role: .initiator, limits: .default)
        guard case .ignore = correlator.receive(rawFrame(type: 0x8001, requestID: 0)) else {
            Issue.record("expected ignore")
            return
        }
    }

    @Test func malformedRequestPayloadIsANonFatalError() {
        var correlator = RequestCorrelator(role: .acceptor, limits: .default)
        let garbage = rawFrame(type: MessageType.heartbeat.rawValue, requestID: 7, payload: [0xFF, 0xFF, 0xFF])
        guard case .reply(let envelope) = correlator.receive(garbage) else {
            Issue.record("expected a reply")
            return
        }
        #expect(envelope.message.errorPayload?.code == .malformedPayload)
        #expect(envelope.message.errorPayload?.fatal == false)
    }

    @Test func wrongParityAndReusedIdsAreFatal() {
        var acceptor = RequestCorrelator(role: .acceptor, limits: .default)
        guard case .fail(let notice, let error) = acceptor.receive(frame(.request(heartbeat(1), id: 4))) else {
            Issue.record("expected a fatal failure for an even id from the initiator")
            return
        }
        #expect(error.code == .protocolViolation)
        #expect(notice?.message.errorPayload?.fatal == true)

        var other = RequestCorrelator(role: .acceptor, limits: .default)
        _ = other.receive(frame(.request(heartbeat(1), id: 3)))
        guard case .fail(_, let duplicate) = other.receive(frame(.request(heartbeat(2), id: 3))) else {
            Issue.record("expected a fatal failure for a reused id")
            return
        }
        #expect(duplicate.code == .protocolViolation)
    }

    @Test func tooManyInFlightIsRefusedWithRetryAfter() {
        var correlator = RequestCorrelator(role: .acceptor, limits: WireLimits(maxInFlight: 2))
        _ = correlator.receive(frame(.request(heartbeat(1), id: 1)))
        _ = correlator.receive(frame(.request(heartbeat(2), id: 3)))
        guard case .reply(let envelope) = correlator.receive(frame(.request(heartbeat(3), id: 5))) else {
            Issue.record("expected TOO_MANY_IN_FLIGHT")
            return
        }
        #expect(envelope.message.errorPayload?.code == .tooManyInFlight)
        #expect((envelope.message.errorPayload?.retryAfterMs ?? 0) > 0)
        correlator.respond(to: 1)
        guard case .request = correlator.receive(frame(.request(heartbeat(3), id: 5))) else {
            Issue.record("expected room after a response")
            return
        }
    }

    @Test func responsesAreCorrelatedAndLateOnesIgnored() {
        var correlator = RequestCorrelator(role: .initiator, limits: .default, firstRequestID: 3)
        let id = correlator.startRequest()
        #expect(id == 3)
        #expect(correlator.startRequest() == 5)
        guard case .response(id: 3, .heartbeat) = correlator.receive(frame(.response(heartbeat(1), to: 3))) else {
            Issue.record("expected the response")
            return
        }
        guard case .ignore = correlator.receive(frame(.response(heartbeat(1), to: 3))) else {
            Issue.record("a second response to the same id must be ignored")
            return
        }
        correlator.abandonRequest(5)
        guard case .ignore = correlator.receive(frame(.response(heartbeat(2), to: 5))) else {
            Issue.record("a response after giving up must be ignored")
            return
        }
        guard case .fail(_, let error) = correlator.receive(rawFrame(type: 4, requestID: 0, response: true)) else {
            Issue.record("RESPONSE with id 0 is fatal")
            return
        }
        #expect(error.code == .protocolViolation)
    }

    @Test func ownRequestsAreBoundedByTheLimit() {
        var correlator = RequestCorrelator(role: .acceptor, limits: WireLimits(maxInFlight: 2))
        #expect(correlator.startRequest() == 2)
        #expect(correlator.startRequest() == 4)
        #expect(correlator.startRequest() == nil)
        #expect(correlator.connectionLost() == [2, 4])
        #expect(correlator.startRequest() == 6)
    }
}
