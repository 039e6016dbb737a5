import NIOCore

/// One protocol frame with its payload uncompressed.
///
/// Compression is a transport matter: ``FrameDecoder`` inflates compressed payloads and
/// leaves ``FrameFlags/compressed`` set in ``flags`` to say the frame arrived compressed;
/// ``FrameEncoder`` ignores that bit and decides by its own policy.
public struct Frame: Hashable, Sendable {
    /// The payload's message type.
    public var type: MessageType
    /// Header flags (``FrameFlags/response``; ``FrameFlags/compressed`` only as received).
    public var flags: FrameFlags
    /// The request this frame belongs to; 0 for one-way messages.
    public var requestID: UInt32
    /// The uncompressed payload (usually a protobuf message).
    public var payload: ByteBuffer

    /// Creates a frame.
    public init(type: MessageType, flags: FrameFlags = [], requestID: UInt32 = 0, payload: ByteBuffer) {
        self.type = type
        self.flags = flags
        self.requestID = requestID
        self.payload = payload
    }

    /// Whether the frame answers request ``requestID``.
    public var isResponse: Bool { flags.contains(.response) }

    /// Whether the frame is a one-way message (request id 0).
    public var isOneWay: Bool { requestID == 0 }
}
