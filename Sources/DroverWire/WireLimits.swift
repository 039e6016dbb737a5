/// Size and concurrency limits of one connection.
///
/// A decoder enforces its own side's limits; an encoder should be given the limits the
/// peer announced (in `Welcome`), so it never sends a frame the peer must reject.
public struct WireLimits: Hashable, Sendable {
    /// Largest payload, in bytes as sent on the wire (after compression), of one frame.
    /// Checked as soon as a header is complete, before the payload is buffered.
    public var maxFrameSize: Int
    /// Largest uncompressed payload, in bytes, a compressed frame may declare.
    public var maxDecompressedSize: Int
    /// Most outstanding requests per direction.
    public var maxInFlight: Int
    /// Payloads of at least this many bytes are compressed (when that makes them smaller).
    public var compressionThreshold: Int

    /// 4 MiB frames, 16 MiB decompressed, 128 in flight, compress from 512 bytes.
    public static let `default` = WireLimits()

    /// Creates limits; omitted values are the protocol defaults.
    ///
    /// - Precondition: sizes fit in a `UInt32` and are not negative.
    public init(
        maxFrameSize: Int = 4 * 1024 * 1024,
        maxDecompressedSize: Int = 16 * 1024 * 1024,
        maxInFlight: Int = 128,
        compressionThreshold: Int = 512
    ) {
        precondition((0...Int(UInt32.max)).contains(maxFrameSize), "maxFrameSize must fit in a UInt32")
        precondition((0...Int(UInt32.max)).contains(maxDecompressedSize), "maxDecompressedSize must fit in a UInt32")
        precondition(maxInFlight >= 0 && compressionThreshold >= 0)
        self.maxFrameSize = maxFrameSize
        self.maxDecompressedSize = maxDecompressedSize
        self.maxInFlight = maxInFlight
        self.compressionThreshold = compressionThreshold
    }
}
