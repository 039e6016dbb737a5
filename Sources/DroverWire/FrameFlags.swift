/// The flags byte of a frame header.
///
/// Only ``compressed`` and ``response`` are defined; every other bit is reserved, must be
/// sent as 0, and makes the receiver reject the frame (``WireError/reservedFlags(_:)``).
public struct FrameFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 0x01: the payload is a 4-byte uncompressed length followed by a zlib stream.
    public static let compressed = FrameFlags(rawValue: 0x01)
    /// 0x02: the frame answers the request with the same request id.
    public static let response = FrameFlags(rawValue: 0x02)

    /// All bits version 1 defines.
    public static let defined: FrameFlags = [.compressed, .response]

    /// Bits set here that version 1 reserves (non-zero means the frame is invalid).
    public var reservedBits: UInt8 { rawValue & ~FrameFlags.defined.rawValue }
}
