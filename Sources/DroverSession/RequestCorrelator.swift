import DroverWire

/// Classifies frames received after the opening exchange and correlates requests and
/// responses (Protocol/README.md §3.3, §3.4, §5, §9).
///
/// Pure: it owns this connection's ``RequestIDAllocator`` and one ``InFlightTracker`` per
/// direction and never does I/O.
public struct RequestCorrelator: Sendable {
    /// What a received frame means.
    public enum Inbound: Sendable {
        /// A request of a known type: answer it with ``respond(to:)`` + a response frame.
        case request(id: UInt32, message: DroverMessage)
        /// A one-way message of a known type.
        case oneWay(DroverMessage)
        /// The response to our request `id` (possibly an `Error`).
        case response(id: UInt32, message: DroverMessage)
        /// Answer with this frame at once and keep the connection (non-fatal error).
        case reply(Envelope)
        /// Send this frame (if any), then close: the peer broke the protocol.
        case fail(Envelope?, SessionError)
        /// Nothing to do (unknown one-way type, late response, malformed one-way); the text says why.
        case ignore(String)
    }

    /// Our side of the connection.
    public let role: ConnectionRole
    private var allocator: RequestIDAllocator
    private var outgoing: InFlightTracker
    private var incoming: InFlightTracker

    /// A correlator for `role` with the negotiated limits.
    ///
    /// - Parameter firstRequestID: the opening exchange uses id 1; later client requests start at 3.
    public init(role: ConnectionRole, limits: WireLimits, firstRequestID: UInt32? = nil) {
        self.role = role
        self.allocator = firstRequestID.map { RequestIDAllocator(role: role, first: $0) } ?? RequestIDAllocator(role: role)
        self.outgoing = InFlightTracker(limit: limits.maxInFlight)
        self.incoming = InFlightTracker(limit: limits.maxInFlight)
    }

    /// Allocates an id for a new request and tracks it; `nil` if `max_in_flight` is reached.
    public mutating func startRequest() -> UInt32? {
        let id = allocator.peek
        guard outgoing.begin(id) == .ok else { return nil }
        return allocator.next()
    }

    /// Gives up on our request `id` (timeout); a late response is then ignored.
    public mutating func abandonRequest(_ id: UInt32) {
        outgoing.complete(id)
    }

    /// Marks the peer's request `id` as answered (call when sending its response).
    public mutating func respond(to id: UInt32) {
        incoming.complete(id)
    }

    /// Our requests still waiting for a response.
    public var outstandingRequests: Int { outgoing.count }

    /// Everything outstanding is failed (connection lost); returns our request ids.
    public mutating func connectionLost() -> [UInt32] {
        _ = incoming.removeAll()
        return outgoing.removeAll()
    }

    /// Classifies one received frame.
    public mutating func receive(_ frame: Frame) -> Inbound {
        if frame.isResponse {
            return receiveResponse(frame)
        }
        if frame.isOneWay {
            switch Result(catching: { () throws(WireError) in try MessageCodec.decode(frame) }) {
            case .success(.unknown(let type, _)):
                return .ignore("unknown one-way message type \(type)")
            case .success(let message):
                return .oneWay(message)
            case .failure(let error):
                return .ignore("dropped one-way \(frame.type): \(error)")
            }
        }
        return receiveRequest(frame)
    }

    private mutating func receiveResponse(_ frame: Frame) -> Inbound {
        guard frame.requestID != 0 else {
            let error = SessionError(.protocolViolation, "RESPONSE frame with request id 0", relatedType: frame.type)
            return .fail(.oneWay(.error(error.payload)), error)
        }
        guard outgoing.complete(frame.requestID) else {
            return .ignore("response \(frame.type) to request \(frame.requestID), which is not outstanding")
        }
        switch Result(catching: { () throws(WireError) in try MessageCodec.decode(frame) }) {
        case .success(let message):
            return .response(id: frame.requestID, message: message)
        case .failure(let error):
            // The request is over either way; the caller learns it through a synthetic error.
            let failure = SessionError(error)
            return .response(id: frame.requestID, message: .error(failure.payload))
        }
    }

    private mutating func receiveRequest(_ frame: Frame) -> Inbound {
        let id = frame.requestID
        guard !role.allocates(id) else {
            let error = SessionError(
                .protocolViolation, "request id \(id) has the wrong parity for the peer", relatedType: frame.type)
            return .fail(.oneWay(.error(error.payload)), error)
        }
        switch incoming.begin(id) {
        case .ok:
            break
        case .duplicate:
            let error = SessionError(
                .protocolViolation, "request id \(id) is already outstanding", relatedType: frame.type)
            return .fail(.oneWay(.error(error.payload)), error)
        case .tooMany:
            let error = SessionError(
                .tooManyInFlight, "more than \(incoming.limit) requests in flight", relatedType: frame.type)
            return .reply(.response(.error(error.payload), to: id))
        case .oneWay:
            return .ignore("one-way frame")  // not reached: id 0 is handled above
        }
        switch Result(catching: { () throws(WireError) in try MessageCodec.decode(frame) }) {
        case .success(.unknown(let type, _)):
            incoming.complete(id)
            let error = SessionError(.unknownMessageType, "unknown message type \(type)", relatedType: type)
            return .reply(.response(.error(error.payload), to: id))
        case .success(let message):
            return .request(id: id, message: message)
        case .failure(let wireError):
            incoming.complete(id)
            let error = SessionError(wireError)
            return .reply(.response(.error(error.payload), to: id))
        }
    }
}
