import DroverWire

/// A protocol-level failure of a session: the `Error` code to report and a human message.
///
/// The code decides fatality (Protocol/README.md §9): fatal errors end the connection,
/// non-fatal ones answer one request.
public struct SessionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The protocol error code.
    public var code: Drover_V1_ErrorCode
    /// Human-readable detail; never contains secrets.
    public var message: String
    /// The type of the frame that caused it, if any.
    public var relatedType: MessageType?

    /// Creates an error.
    public init(_ code: Drover_V1_ErrorCode, _ message: String, relatedType: MessageType? = nil) {
        self.code = code
        self.message = message
        self.relatedType = relatedType
    }

    /// Builds one from an `Error` payload received from the peer.
    public init(received error: Drover_V1_Error) {
        self.code = error.code
        self.message = error.message
        self.relatedType = error.relatedType == 0 ? nil : MessageType(UInt16(truncatingIfNeeded: error.relatedType))
    }

    /// Whether the connection ends after this error.
    public var isFatal: Bool { Self.isFatal(code) }

    /// Fatality by code; unknown codes follow the `fatal` field of a received error.
    public static func isFatal(_ code: Drover_V1_ErrorCode, fatalField: Bool = true) -> Bool {
        switch code {
        case .protocolViolation, .badHeader, .badFlags, .frameTooLarge, .decompressedTooLarge,
            .decompressionFailed, .unsupportedVersion, .unauthenticated, .enrollmentRefused, .shuttingDown:
            return true
        case .malformedPayload, .unknownMessageType, .tooManyInFlight, .invalidArgument,
            .permissionDenied, .notFound, .deadlineExceeded, .internal:
            return false
        default:
            return fatalField
        }
    }

    /// The `Error` payload to send.
    public var payload: Drover_V1_Error {
        var error = Drover_V1_Error()
        error.code = code
        error.message = message
        error.fatal = isFatal
        if let relatedType { error.relatedType = UInt32(relatedType.rawValue) }
        if code == .tooManyInFlight { error.retryAfterMs = 100 }
        return error
    }

    /// `CODE_NAME: message`.
    public var description: String { "\(code): \(message)" }

    /// A received `Error` turned into a session error (by its code or its `fatal` field).
    public static func isFatal(received error: Drover_V1_Error) -> Bool {
        isFatal(error.code, fatalField: error.fatal)
    }
}

extension SessionError {
    /// The error to report for a decoding failure of the byte stream or a payload.
    public init(_ wireError: WireError) {
        self.init(wireError.wireErrorCode, wireError.description, relatedType: nil)
        if case .malformedPayload(let type, _) = wireError { relatedType = type }
        if case .unknownMessageType(let type) = wireError { relatedType = type }
    }
}
