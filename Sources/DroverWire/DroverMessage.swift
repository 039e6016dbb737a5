import NIOCore

/// A decoded frame payload: one case per message type of protocol version 1.
///
/// `indirect`: the payloads are boxed, so the enum is a pointer wide instead of the largest
/// message (a `CommandAck` carrying a `CommandResult`, a few hundred bytes). Envelopes, session
/// events and actions embed it, and they sit in the async frames each session task keeps.
public indirect enum DroverMessage: Hashable, Sendable {
    case hello(Drover_V1_Hello)
    case welcome(Drover_V1_Welcome)
    case error(Drover_V1_Error)
    case heartbeat(Drover_V1_Heartbeat)
    case goodbye(Drover_V1_Goodbye)
    case enrollRequest(Drover_V1_EnrollRequest)
    case enrollResponse(Drover_V1_EnrollResponse)
    case hostReport(Drover_V1_HostReport)
    case command(Drover_V1_Command)
    case commandAck(Drover_V1_CommandAck)
    case commandProgress(Drover_V1_CommandProgress)
    case commandResult(Drover_V1_CommandResult)
    /// A type this implementation does not know, with its raw (uncompressed) payload.
    case unknown(type: MessageType, payload: ByteBuffer)

    /// The frame type that carries this message.
    public var messageType: MessageType {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .error: .error
        case .heartbeat: .heartbeat
        case .goodbye: .goodbye
        case .enrollRequest: .enrollRequest
        case .enrollResponse: .enrollResponse
        case .hostReport: .hostReport
        case .command: .command
        case .commandAck: .commandAck
        case .commandProgress: .commandProgress
        case .commandResult: .commandResult
        case .unknown(let type, _): type
        }
    }
}
