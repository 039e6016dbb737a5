import NIOCore

/// Writes ``Frame``s as header + payload, compressing payloads where it pays.
///
/// A payload is compressed when compression is enabled, it has at least
/// ``WireLimits/compressionThreshold`` bytes, it fits the peer's
/// ``WireLimits/maxDecompressedSize``, and the compressed payload (4-byte length + zlib
/// stream) is smaller than the original. The frame's own ``FrameFlags/compressed`` bit is
/// ignored.
///
/// Use it as `MessageToByteHandler(FrameEncoder(limits: peerLimits))`.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    /// The peer's limits: frames it would reject are not sent.
    public let limits: WireLimits
    /// Whether payloads may be compressed (only if the peer announced `zlib`).
    public let compressionEnabled: Bool

    /// Creates an encoder for a peer with `limits`; `compress: false` never compresses.
    public init(limits: WireLimits = .default, compress: Bool = true) {
        self.limits = limits
        self.compressionEnabled = compress
    }

    public func encode(data: Frame, out: inout ByteBuffer) throws {
        try Self.encode(data, into: &out, limits: limits, compress: compressionEnabled)
    }

    /// Appends `frame` to `out`.
    ///
    /// - Throws: ``WireError/frameTooLarge(length:limit:)`` if the payload on the wire would
    ///   exceed `limits.maxFrameSize`; nothing is written then.
    public static func encode(
        _ frame: Frame,
        into out: inout ByteBuffer,
        limits: WireLimits = .default,
        compress: Bool = true
    ) throws(WireError) {
        var flags = frame.flags
        flags.remove(.compressed)
        let size = frame.payload.readableBytes

        if compress, size >= limits.compressionThreshold, size > 4, size <= limits.maxDecompressedSize {
            let start = out.writerIndex
            FrameHeader(length: 0, type: frame.type, flags: flags.union(.compressed), requestID: frame.requestID)
                .write(to: &out)
            out.writeInteger(UInt32(size))
            let written = frame.payload.withUnsafeReadableBytes { Zlib.compress($0, into: &out) }
            if let written, 4 + written < size, 4 + written <= limits.maxFrameSize {
                out.setInteger(UInt32(4 + written), at: start)
                return
            }
            out.moveWriterIndex(to: start)
        }

        guard size <= limits.maxFrameSize else {
            throw .frameTooLarge(length: UInt32(clamping: size), limit: limits.maxFrameSize)
        }
        FrameHeader(length: UInt32(size), type: frame.type, flags: flags, requestID: frame.requestID).write(to: &out)
        out.writeImmutableBuffer(frame.payload)
    }
}
