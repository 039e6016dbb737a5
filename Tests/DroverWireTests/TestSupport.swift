import DroverTestSupport
import DroverWire
import NIOCore

/// Hex <-> bytes for vectors and assertions.
enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Deterministic PRNG (SplitMix64) so random tests reproduce from their seed.
typealias SeededRandom = SplitMix64

extension SplitMix64 {
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

extension ByteBuffer {
    /// The readable bytes as an array.
    var bytes: [UInt8] { Array(readableBytesView) }
}

/// Encodes frames with the production encoder into one buffer.
func encodeFrames(_ frames: [Frame], limits: WireLimits = .default, compress: Bool = true) throws -> ByteBuffer {
    var out = ByteBuffer()
    for frame in frames {
        try FrameEncoder.encode(frame, into: &out, limits: limits, compress: compress)
    }
    return out
}

/// Runs the production decoder over `bytes` as a complete stream (EOF at the end).
func decodeAll(_ bytes: [UInt8], limits: WireLimits = .default) throws(WireError) -> [Frame] {
    var buffer = ByteBuffer(bytes: bytes)
    var frames: [Frame] = []
    while let frame = try FrameDecoder.decodeFrame(from: &buffer, limits: limits) {
        frames.append(frame)
    }
    try FrameDecoder.checkNoPartialFrame(in: buffer)
    return frames
}

/// A raw frame with arbitrary header bytes (for invalid input).
func rawFrame(length: UInt32, type: UInt16, flags: UInt8, reserved: UInt8 = 0, requestID: UInt32, payload: [UInt8]) -> [UInt8] {
    var buffer = ByteBuffer()
    buffer.writeInteger(length)
    buffer.writeInteger(type)
    buffer.writeInteger(flags)
    buffer.writeInteger(reserved)
    buffer.writeInteger(requestID)
    buffer.writeBytes(payload)
    return buffer.bytes
}

/// A zlib stream of `input` (level 6).
func zlibStream(_ input: [UInt8]) -> [UInt8] {
    var out = ByteBuffer()
    let written = input.withUnsafeBytes { Zlib.compress($0, into: &out) }
    precondition(written != nil)
    return out.bytes
}
