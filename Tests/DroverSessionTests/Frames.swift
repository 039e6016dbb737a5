import DroverWire
import NIOCore

/// Builds frames from envelopes for state machine tests.
func frame(_ envelope: Envelope) -> Frame {
    try! MessageCodec.frame(for: envelope)
}

/// A raw frame of any type and payload.
func rawFrame(type: UInt16, requestID: UInt32, response: Bool = false, payload: [UInt8] = []) -> Frame {
    Frame(
        type: MessageType(type), flags: response ? .response : [], requestID: requestID,
        payload: ByteBuffer(bytes: payload))
}

func heartbeat(_ sequence: UInt64) -> DroverMessage {
    var beat = Drover_V1_Heartbeat()
    beat.sequence = sequence
    beat.sentUnixMs = 1_767_225_600_000
    return .heartbeat(beat)
}

extension DroverMessage {
    /// The `Error` payload, if this is one.
    var errorPayload: Drover_V1_Error? {
        if case .error(let error) = self { return error }
        return nil
    }
}
