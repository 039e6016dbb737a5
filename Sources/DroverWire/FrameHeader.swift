import NIOCore

/// The fixed 12-byte header in front of every frame's payload (all integers big-endian).
///
/// ```
/// offset 0  u32 length      payload bytes after the header
///        4  u16 type        MessageType
///        6  u8  flags       FrameFlags; reserved bits must be 0
///        7  u8  reserved    must be 0
///        8  u32 request_id  0 = one-way
/// ```
public struct FrameHeader: Hashable, Sendable {
    /// Size of the header on the wire.
    public static let size = 12

    /// Number of payload bytes on the wire after the header (compressed size if compressed).
    public var length: UInt32
    /// The payload's message type.
    public var type: MessageType
    /// The flags byte.
    public var flags: FrameFlags
    /// The request this frame belongs to; 0 for one-way messages.
    public var requestID: UInt32

    /// Creates a header.
    public init(length: UInt32, type: MessageType, flags: FrameFlags = [], requestID: UInt32 = 0) {
        self.length = length
        self.type = type
        self.flags = flags
        self.requestID = requestID
    }

    /// Appends the 12 header bytes to `buffer` (the reserved byte as 0).
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(length)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(flags.rawValue)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(requestID)
    }

    /// Parses the header at the reader index of `buffer` without consuming it.
    ///
    /// - Returns: `nil` if fewer than 12 bytes are readable.
    /// - Throws: ``WireError/reservedFlags(_:)`` or ``WireError/reservedHeaderByte(_:)``.
    public static func peek(in buffer: ByteBuffer) throws(WireError) -> FrameHeader? {
        let base = buffer.readerIndex
        guard buffer.readableBytes >= size,
            let length = buffer.getInteger(at: base, as: UInt32.self),
            let type = buffer.getInteger(at: base + 4, as: UInt16.self),
            let flags = buffer.getInteger(at: base + 6, as: UInt8.self),
            let reserved = buffer.getInteger(at: base + 7, as: UInt8.self),
            let requestID = buffer.getInteger(at: base + 8, as: UInt32.self)
        else { return nil }
        let frameFlags = FrameFlags(rawValue: flags)
        guard frameFlags.reservedBits == 0 else { throw .reservedFlags(flags) }
        guard reserved == 0 else { throw .reservedHeaderByte(reserved) }
        return FrameHeader(length: length, type: MessageType(type), flags: frameFlags, requestID: requestID)
    }

    /// Parses and consumes the header at the reader index of `buffer`.
    ///
    /// - Returns: `nil` (consuming nothing) if fewer than 12 bytes are readable.
    public static func read(from buffer: inout ByteBuffer) throws(WireError) -> FrameHeader? {
        guard let header = try peek(in: buffer) else { return nil }
        buffer.moveReaderIndex(forwardBy: size)
        return header
    }
}
