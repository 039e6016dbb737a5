import DroverWire

/// One input to a session's event loop: everything that can happen to a connection, merged
/// into a single stream so one task owns the state machine.
public enum SessionEvent: Sendable {
    /// A frame arrived.
    case frame(Frame)
    /// The inbound stream ended: `nil` for a clean end, otherwise the error (TLS, framing).
    case inboundEnded((any Error)?)
    /// Time passed: check timers.
    case tick
    /// Close gracefully with this reason (shutdown, replaced by a newer connection).
    case shutdown(reason: String)
    /// Send this command to the peer (controller sessions only).
    indirect case command(Drover_V1_Command)
    /// Send this command progress or result to the peer (agent sessions only).
    case commandUpdate(DroverMessage)
}

extension WireError {
    /// The fatal `Error` frame to send when the byte stream itself fails to decode (§9: sent
    /// with request id 0, the rest of the input discarded).
    public var fatalNotice: Envelope? {
        guard isFatal else { return nil }
        if case .truncatedFrame = self { return nil }
        return .oneWay(.error(SessionError(self).payload))
    }
}
