import NIOCore
import SwiftProtobuf

/// Converts between ``Frame`` and ``DroverMessage`` / ``Envelope`` (protobuf payloads).
public enum MessageCodec {
    /// Decodes a frame's payload as the message its type names.
    ///
    /// Unknown types decode to ``DroverMessage/unknown(type:payload:)``; unknown protobuf
    /// fields are kept and ignored.
    ///
    /// - Throws: ``WireError/malformedPayload(type:reason:)`` if the payload does not parse.
    public static func decode(_ frame: Frame) throws(WireError) -> DroverMessage {
        let payload = frame.payload
        switch frame.type {
        case .hello: return .hello(try parse(payload, as: frame.type))
        case .welcome: return .welcome(try parse(payload, as: frame.type))
        case .error: return .error(try parse(payload, as: frame.type))
        case .heartbeat: return .heartbeat(try parse(payload, as: frame.type))
        case .goodbye: return .goodbye(try parse(payload, as: frame.type))
        case .enrollRequest: return .enrollRequest(try parse(payload, as: frame.type))
        case .enrollResponse: return .enrollResponse(try parse(payload, as: frame.type))
        case .hostReport: return .hostReport(try parse(payload, as: frame.type))
        case .command: return .command(try parse(payload, as: frame.type))
        case .commandAck: return .commandAck(try parse(payload, as: frame.type))
        case .commandProgress: return .commandProgress(try parse(payload, as: frame.type))
        case .commandResult: return .commandResult(try parse(payload, as: frame.type))
        default: return .unknown(type: frame.type, payload: payload)
        }
    }

    /// Decodes a frame into its message, request id and direction.
    public static func decodeEnvelope(_ frame: Frame) throws(WireError) -> Envelope {
        Envelope(message: try decode(frame), requestID: frame.requestID, isResponse: frame.isResponse)
    }

    /// Serializes a message into a new payload buffer.
    public static func encode(
        _ message: DroverMessage,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(WireError) -> ByteBuffer {
        let type = message.messageType
        switch message {
        case .hello(let m): return try serialize(m, type: type, allocator: allocator)
        case .welcome(let m): return try serialize(m, type: type, allocator: allocator)
        case .error(let m): return try serialize(m, type: type, allocator: allocator)
        case .heartbeat(let m): return try serialize(m, type: type, allocator: allocator)
        case .goodbye(let m): return try serialize(m, type: type, allocator: allocator)
        case .enrollRequest(let m): return try serialize(m, type: type, allocator: allocator)
        case .enrollResponse(let m): return try serialize(m, type: type, allocator: allocator)
        case .hostReport(let m): return try serialize(m, type: type, allocator: allocator)
        case .command(let m): return try serialize(m, type: type, allocator: allocator)
        case .commandAck(let m): return try serialize(m, type: type, allocator: allocator)
        case .commandProgress(let m): return try serialize(m, type: type, allocator: allocator)
        case .commandResult(let m): return try serialize(m, type: type, allocator: allocator)
        case .unknown(_, let payload): return payload
        }
    }

    /// Builds the frame (uncompressed; the encoder compresses) for an envelope.
    public static func frame(
        for envelope: Envelope,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(WireError) -> Frame {
        Frame(
            type: envelope.message.messageType,
            flags: envelope.isResponse ? .response : [],
            requestID: envelope.requestID,
            payload: try encode(envelope.message, allocator: allocator)
        )
    }

    private static func parse<M: SwiftProtobuf.Message>(
        _ payload: ByteBuffer,
        as type: MessageType
    ) throws(WireError) -> M {
        do {
            return try M(serializedBytes: Array(payload.readableBytesView))
        } catch {
            throw .malformedPayload(type: type, reason: String(describing: error))
        }
    }

    /// Map entries sorted by key, so equal messages always give equal bytes.
    private static let deterministic: BinaryEncodingOptions = {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        return options
    }()

    private static func serialize(
        _ message: some SwiftProtobuf.Message,
        type: MessageType,
        allocator: ByteBufferAllocator
    ) throws(WireError) -> ByteBuffer {
        do {
            let bytes: [UInt8] = try message.serializedBytes(options: deterministic)
            return allocator.buffer(bytes: bytes)
        } catch {
            throw .malformedPayload(type: type, reason: "cannot serialize: \(error)")
        }
    }
}
