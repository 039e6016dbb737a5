/// What was wrong with bytes or a payload received from the peer.
///
/// Each case maps to a protocol ``Drover_V1_ErrorCode`` (``wireErrorCode``) and says
/// whether the connection must be closed after reporting it (``isFatal``).
public enum WireError: Error, Hashable, Sendable {
    /// The header announces a payload larger than the receiver's `maxFrameSize`.
    case frameTooLarge(length: UInt32, limit: Int)
    /// The flags byte has bits set that version 1 reserves (the value is the whole byte).
    case reservedFlags(UInt8)
    /// The reserved header byte (offset 7) is not 0.
    case reservedHeaderByte(UInt8)
    /// A compressed frame's payload is shorter than its 4-byte uncompressed length.
    case compressedPayloadTooShort(length: UInt32)
    /// A compressed frame declares an uncompressed length above `maxDecompressedSize`.
    case decompressedTooLarge(declared: UInt32, limit: Int)
    /// The zlib stream is invalid, incomplete, has trailing bytes, or inflates to a length
    /// other than the declared one.
    case decompressionFailed(reason: String)
    /// The connection ended inside a frame: `expected` bytes were needed, `received` arrived.
    case truncatedFrame(expected: Int, received: Int)
    /// The payload is not a valid protobuf encoding of the type's message.
    case malformedPayload(type: MessageType, reason: String)
    /// The message type is not one this implementation knows.
    case unknownMessageType(MessageType)
}

extension WireError {
    /// The protocol error code to report this error with.
    public var wireErrorCode: Drover_V1_ErrorCode {
        switch self {
        case .frameTooLarge: .frameTooLarge
        case .reservedFlags: .badFlags
        case .reservedHeaderByte: .badHeader
        case .compressedPayloadTooShort: .decompressionFailed
        case .decompressedTooLarge: .decompressedTooLarge
        case .decompressionFailed: .decompressionFailed
        case .truncatedFrame: .protocolViolation
        case .malformedPayload: .malformedPayload
        case .unknownMessageType: .unknownMessageType
        }
    }

    /// Whether the connection must be closed after this error (framing can't be trusted).
    public var isFatal: Bool {
        switch self {
        case .malformedPayload, .unknownMessageType: false
        default: true
        }
    }

    /// The case's name, as used in the `error` field of Protocol/vectors/frames.json.
    public var name: String {
        switch self {
        case .frameTooLarge: "frameTooLarge"
        case .reservedFlags: "reservedFlags"
        case .reservedHeaderByte: "reservedHeaderByte"
        case .compressedPayloadTooShort: "compressedPayloadTooShort"
        case .decompressedTooLarge: "decompressedTooLarge"
        case .decompressionFailed: "decompressionFailed"
        case .truncatedFrame: "truncatedFrame"
        case .malformedPayload: "malformedPayload"
        case .unknownMessageType: "unknownMessageType"
        }
    }

    /// An `Error` payload reporting this error to the peer.
    ///
    /// - Parameter relatedType: the type of the frame that caused it, if known.
    public func errorMessage(relatedType: MessageType? = nil) -> Drover_V1_Error {
        var message = Drover_V1_Error()
        message.code = wireErrorCode
        message.message = description
        message.fatal = isFatal
        if let relatedType {
            message.relatedType = UInt32(relatedType.rawValue)
        } else if case .malformedPayload(let type, _) = self {
            message.relatedType = UInt32(type.rawValue)
        } else if case .unknownMessageType(let type) = self {
            message.relatedType = UInt32(type.rawValue)
        }
        return message
    }
}

extension WireError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .frameTooLarge(let length, let limit):
            "frame payload of \(length) bytes exceeds the limit of \(limit) bytes"
        case .reservedFlags(let flags):
            "reserved flag bits set in flags byte \(Self.hex(flags)) (only 0x01 COMPRESSED and 0x02 RESPONSE are defined)"
        case .reservedHeaderByte(let value):
            "reserved header byte is \(Self.hex(value)), must be 0x00"
        case .compressedPayloadTooShort(let length):
            "compressed frame payload of \(length) bytes is shorter than its 4-byte uncompressed length"
        case .decompressedTooLarge(let declared, let limit):
            "compressed frame declares \(declared) uncompressed bytes, above the limit of \(limit) bytes"
        case .decompressionFailed(let reason):
            "decompression failed: \(reason)"
        case .truncatedFrame(let expected, let received):
            "connection ended inside a frame: \(received) of \(expected) bytes received"
        case .malformedPayload(let type, let reason):
            "malformed \(type) payload: \(reason)"
        case .unknownMessageType(let type):
            "unknown message type \(type)"
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count < 2 ? "0" : "") + digits
    }
}
