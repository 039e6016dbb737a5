/// A message with its request id and direction: everything a frame says, decoded.
public struct Envelope: Hashable, Sendable {
    /// The message.
    public var message: DroverMessage
    /// The request id; 0 for one-way messages.
    public var requestID: UInt32
    /// Whether this answers request ``requestID``.
    public var isResponse: Bool

    /// Creates an envelope.
    public init(message: DroverMessage, requestID: UInt32, isResponse: Bool) {
        self.message = message
        self.requestID = requestID
        self.isResponse = isResponse
    }

    /// A one-way message (request id 0).
    public static func oneWay(_ message: DroverMessage) -> Envelope {
        Envelope(message: message, requestID: 0, isResponse: false)
    }

    /// A request with id `requestID` (from a ``RequestIDAllocator``).
    public static func request(_ message: DroverMessage, id requestID: UInt32) -> Envelope {
        Envelope(message: message, requestID: requestID, isResponse: false)
    }

    /// The response to request `requestID`.
    public static func response(_ message: DroverMessage, to requestID: UInt32) -> Envelope {
        Envelope(message: message, requestID: requestID, isResponse: true)
    }
}
