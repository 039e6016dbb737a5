import CZlib
import NIOCore

/// zlib (RFC 1950) compression of frame payloads, bounded so a hostile stream can never
/// make the receiver allocate or produce more than it agreed to.
public enum Zlib {
    /// The compression level senders use: fixed, so equal inputs give equal bytes.
    public static let defaultLevel: Int32 = 6

    /// Appends the zlib stream of `input` to `output`.
    ///
    /// - Returns: the number of bytes appended, or `nil` (appending nothing) if zlib failed.
    @discardableResult
    public static func compress(
        _ input: UnsafeRawBufferPointer,
        level: Int32 = defaultLevel,
        into output: inout ByteBuffer
    ) -> Int? {
        guard input.count <= Int(UInt32.max) else { return nil }
        var stream = z_stream()
        guard drover_deflate_init(&stream, level) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var succeeded = false
        let written = output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(min(out.count, Int(UInt32.max)))
            guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
            succeeded = true
            return Int(stream.total_out)
        }
        return succeeded ? written : nil
    }

    /// The zlib stream of `input` in a new buffer, or `nil` if zlib failed.
    public static func compress(
        _ input: ByteBuffer,
        level: Int32 = defaultLevel,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> ByteBuffer? {
        var output = allocator.buffer(capacity: 0)
        let written = input.withUnsafeReadableBytes { compress($0, level: level, into: &output) }
        return written == nil ? nil : output
    }

    /// Inflates the zlib stream in `input`, which must decode to exactly `exactLength` bytes.
    ///
    /// Allocates `exactLength` bytes once and never inflates more than that plus one byte
    /// (to detect a stream that goes on), so a bomb costs at most the declared size.
    ///
    /// - Throws: ``WireError/decompressionFailed(reason:)`` if the stream is corrupt, does
    ///   not end, produces more or fewer than `exactLength` bytes, or is followed by
    ///   trailing input.
    public static func decompress(
        _ input: ByteBuffer,
        exactLength: Int,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(WireError) -> ByteBuffer {
        precondition(exactLength >= 0 && exactLength <= Int(UInt32.max))
        var output = allocator.buffer(capacity: exactLength)
        var failure: String?
        input.withUnsafeReadableBytes { inBytes in
            _ = output.writeWithUnsafeMutableBytes(minimumWritableBytes: exactLength) { outBytes in
                let target = UnsafeMutableRawBufferPointer(rebasing: outBytes[..<exactLength])
                switch inflate(inBytes, into: target) {
                case .success:
                    return exactLength
                case .failure(let reason):
                    failure = reason
                    return 0
                }
            }
        }
        if let failure { throw .decompressionFailed(reason: failure) }
        return output
    }

    private enum InflateOutcome {
        case success
        case failure(String)
    }

    /// Inflates `input` into exactly `output.count` bytes.
    private static func inflate(
        _ input: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) -> InflateOutcome {
        guard input.count > 0 else { return .failure("empty zlib stream") }
        guard input.count <= Int(UInt32.max) else { return .failure("zlib stream too long") }
        var stream = z_stream()
        guard drover_inflate_init(&stream) == Z_OK else { return .failure("zlib inflateInit failed") }
        defer { inflateEnd(&stream) }

        // One spare byte: if the stream writes into it, it is longer than declared.
        let spare = UnsafeMutablePointer<Bytef>.allocate(capacity: 1)
        defer { spare.deallocate() }
        var usingSpare = false

        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        if output.count > 0 {
            stream.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(output.count)
        } else {
            stream.next_out = spare
            stream.avail_out = 1
            usingSpare = true
        }

        while true {
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            switch status {
            case Z_STREAM_END:
                if usingSpare && stream.avail_out == 0 {
                    return .failure("stream inflates to more than the declared \(output.count) bytes")
                }
                let produced = Int(stream.total_out)
                if produced != output.count {
                    return .failure("stream inflates to \(produced) bytes, \(output.count) declared")
                }
                if stream.avail_in != 0 {
                    return .failure("\(stream.avail_in) bytes of trailing input after the zlib stream")
                }
                return .success
            case Z_OK, Z_BUF_ERROR:
                if stream.avail_out == 0 {
                    if usingSpare {
                        return .failure("stream inflates to more than the declared \(output.count) bytes")
                    }
                    stream.next_out = spare
                    stream.avail_out = 1
                    usingSpare = true
                    continue
                }
                if stream.avail_in == 0 {
                    return .failure("zlib stream is truncated (no end of stream)")
                }
                if status == Z_BUF_ERROR {
                    return .failure("zlib made no progress")
                }
            case Z_NEED_DICT:
                return .failure("zlib stream needs a preset dictionary")
            case Z_DATA_ERROR:
                return .failure("corrupt zlib stream (\(message(of: stream)))")
            case Z_MEM_ERROR:
                return .failure("zlib ran out of memory")
            default:
                return .failure("zlib error \(status)")
            }
        }
    }

    private static func message(of stream: z_stream) -> String {
        guard let msg = stream.msg else { return "no detail" }
        return String(cString: msg)
    }
}
