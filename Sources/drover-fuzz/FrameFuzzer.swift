import DroverWire
import NIOCore

/// The property every input must satisfy: the frame decoder and the message codec either
/// produce values or throw a typed `WireError`, and every frame they accept re-encodes to
/// bytes that decode to the same frame. Anything else (a trap, another error type, a frame
/// that does not round-trip) is a finding.
enum FrameFuzzer {
    /// Small limits so the fuzzer reaches the limit checks with small inputs.
    static let limits = WireLimits(
        maxFrameSize: 64 * 1024,
        maxDecompressedSize: 256 * 1024,
        maxInFlight: 16,
        compressionThreshold: 64
    )

    static func run(_ bytes: UnsafeRawBufferPointer) {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        var decoder = FrameDecoder(limits: limits)
        var frames: [Frame] = []
        do {
            while let frame = try decoder.decode(buffer: &buffer) {
                frames.append(frame)
                if frames.count > 4096 { break }
            }
            if let last = try decoder.decodeLast(buffer: &buffer, seenEOF: true) {
                frames.append(last)
            }
        } catch is WireError {
            // Rejected with a typed error: the expected outcome for hostile bytes.
        } catch {
            fatalError("decoder threw a non-WireError: \(error)")
        }
        for frame in frames {
            check(frame)
        }
    }

    /// Decodes the payload as a message and checks the frame survives re-encoding.
    static func check(_ frame: Frame) {
        // Typed throws: MessageCodec can only fail with a WireError, which is an accepted outcome.
        _ = try? MessageCodec.decode(frame)
        // A decompressed payload may legitimately exceed maxFrameSize; re-encode under limits
        // that admit it so only a real round-trip fault is reported.
        var roomy = limits
        roomy.maxFrameSize = limits.maxDecompressedSize + 64
        var out = ByteBufferAllocator().buffer(capacity: frame.payload.readableBytes + 16)
        do {
            try FrameEncoder.encode(frame, into: &out, limits: roomy)
        } catch {
            fatalError("re-encoding an accepted frame failed: \(error)")
        }
        var decoder = FrameDecoder(limits: roomy)
        do {
            guard let again = try decoder.decode(buffer: &out), out.readableBytes == 0 else {
                fatalError("re-encoded frame did not decode to exactly one frame")
            }
            precondition(again.type == frame.type, "type changed in round trip")
            precondition(again.requestID == frame.requestID, "request id changed in round trip")
            precondition(again.payload == frame.payload, "payload changed in round trip")
        } catch {
            fatalError("re-encoded frame failed to decode: \(error)")
        }
    }
}
