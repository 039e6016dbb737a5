import NIOCore

/// Splits a byte stream into ``Frame``s, enforcing ``WireLimits`` before buffering.
///
/// The frame size limit is checked as soon as the 12 header bytes are readable, and a
/// compressed frame's declared uncompressed size as soon as its first 4 payload bytes
/// are; so an oversized frame is rejected before its payload is waited for. Compressed
/// payloads are inflated (bounded by ``Zlib/decompress(_:exactLength:allocator:)``).
///
/// Use it as `ByteToMessageHandler(FrameDecoder(limits: limits))`. Every error it throws
/// is a ``WireError``; all of them are fatal for the connection.
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = Frame

    /// The limits this side enforces.
    public let limits: WireLimits

    /// Creates a decoder enforcing `limits`.
    public init(limits: WireLimits = .default) {
        self.limits = limits
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> Frame? {
        try Self.decodeFrame(from: &buffer, limits: limits)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Frame? {
        if let frame = try Self.decodeFrame(from: &buffer, limits: limits) {
            return frame
        }
        try Self.checkNoPartialFrame(in: buffer)
        return nil
    }

    /// Decodes and consumes one frame from the reader index of `buffer`.
    ///
    /// - Returns: `nil` (consuming nothing) if the frame is not complete yet.
    /// - Throws: a ``WireError`` as soon as the available bytes prove the frame invalid.
    public static func decodeFrame(
        from buffer: inout ByteBuffer,
        limits: WireLimits,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(WireError) -> Frame? {
        guard let header = try FrameHeader.peek(in: buffer) else { return nil }
        guard Int(header.length) <= limits.maxFrameSize else {
            throw .frameTooLarge(length: header.length, limit: limits.maxFrameSize)
        }
        let compressed = header.flags.contains(.compressed)
        var declared: UInt32 = 0
        if compressed {
            guard header.length >= 4 else { throw .compressedPayloadTooShort(length: header.length) }
            guard let value = buffer.getInteger(at: buffer.readerIndex + FrameHeader.size, as: UInt32.self) else {
                return nil
            }
            guard value != 0 else { throw .decompressionFailed(reason: "declared uncompressed length is 0") }
            guard Int(value) <= limits.maxDecompressedSize else {
                throw .decompressedTooLarge(declared: value, limit: limits.maxDecompressedSize)
            }
            declared = value
        }
        guard buffer.readableBytes >= FrameHeader.size + Int(header.length) else { return nil }

        // Complete and plausible: consume it.
        buffer.moveReaderIndex(forwardBy: FrameHeader.size)
        var payload = buffer.readSlice(length: Int(header.length))!
        if compressed {
            payload.moveReaderIndex(forwardBy: 4)
            payload = try Zlib.decompress(payload, exactLength: Int(declared), allocator: allocator)
        }
        return Frame(type: header.type, flags: header.flags, requestID: header.requestID, payload: payload)
    }

    /// Throws ``WireError/truncatedFrame(expected:received:)`` if `buffer` holds the start
    /// of a frame (call at end of stream, after decoding every complete frame).
    public static func checkNoPartialFrame(in buffer: ByteBuffer) throws(WireError) {
        let received = buffer.readableBytes
        guard received > 0 else { return }
        var expected = FrameHeader.size
        if let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self), received >= FrameHeader.size {
            expected += Int(length)
        }
        throw .truncatedFrame(expected: expected, received: received)
    }
}
