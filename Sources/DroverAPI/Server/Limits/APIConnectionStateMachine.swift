/// The limits of one API connection, as a pure state machine: the request deadline (head and
/// body within ``timeoutNanoseconds`` of a request's first byte, or of the accept for the first
/// request) and the answers to protocol errors. Time is passed in (uptime nanoseconds).
struct APIConnectionStateMachine: Sendable {
    /// Why the connection is refused.
    enum Refusal: Sendable, Equatable {
        /// The request did not arrive in time (408).
        case requestTimeout
        /// The request line and headers are too large or too many (431).
        case headersTooLarge
        /// The bytes are not HTTP/1.1 (400).
        case malformed
    }

    /// What the handler does next.
    enum Action: Sendable, Equatable {
        case none
        /// (Re)start the request timer for this uptime deadline.
        case arm(deadline: UInt64)
        /// Stop the request timer.
        case disarm
        /// Send the refusal's JSON error, then close.
        case refuse(Refusal)
        /// Close without an answer (a response is already under way, so another cannot be sent).
        case close
    }

    let timeoutNanoseconds: UInt64
    /// When the request being read must be complete; nil while no request is being read.
    private(set) var deadline: UInt64?
    /// Whether a response head has been written and its end not yet.
    private(set) var responseOpen = false
    private(set) var closing = false

    init(timeoutNanoseconds: UInt64) {
        self.timeoutNanoseconds = max(1, timeoutNanoseconds)
    }

    /// The connection was accepted: the handshake and the first request are on the clock.
    mutating func connectionStarted(now: UInt64) -> Action {
        arm(now: now)
    }

    /// Request bytes arrived; they start the clock unless a request is already on it.
    mutating func bytesReceived(now: UInt64) -> Action {
        guard deadline == nil else { return .none }
        return arm(now: now)
    }

    /// The request's end was parsed: it arrived in time.
    mutating func requestEnded() -> Action {
        guard deadline != nil, !closing else { return .none }
        deadline = nil
        return .disarm
    }

    /// A response head was written.
    mutating func responseStarted() {
        responseOpen = true
    }

    /// A response end was written.
    mutating func responseEnded() {
        responseOpen = false
    }

    /// The timer fired.
    mutating func timerFired(now: UInt64) -> Action {
        guard let deadline, !closing else { return .none }
        guard now >= deadline else { return .arm(deadline: deadline) }
        return refuse(.requestTimeout)
    }

    /// The HTTP decoder refused the bytes.
    mutating func parseFailed(headerOverflow: Bool) -> Action {
        guard !closing else { return .none }
        return refuse(headerOverflow ? .headersTooLarge : .malformed)
    }

    private mutating func arm(now: UInt64) -> Action {
        guard !closing else { return .none }
        let (sum, overflow) = now.addingReportingOverflow(timeoutNanoseconds)
        let at = overflow ? UInt64.max : sum
        deadline = at
        return .arm(deadline: at)
    }

    private mutating func refuse(_ refusal: Refusal) -> Action {
        closing = true
        deadline = nil
        return responseOpen ? .close : .refuse(refusal)
    }
}
