import NIOCore

/// Where a message body stands: how much of it is still to come, by its framing. Takes the
/// body's bytes off the front of a buffer, as slices of it (nothing copied).
package struct HTTP1BodyCursor {
    private enum Mode {
        case length(remaining: Int64)
        case chunked(HTTP1ChunkedScanner)
        case untilClose
        case done
    }

    private var mode: Mode
    /// Hand on only the chunks' data (for an HTTP/1.0 client), not the chunked framing.
    private let dechunk: Bool

    package init(_ framing: HTTP1Head.Framing, dechunk: Bool = false) {
        self.dechunk = dechunk
        switch framing {
        case .none: mode = .done
        case .length(let length): mode = .length(remaining: length)
        case .chunked: mode = .chunked(HTTP1ChunkedScanner())
        case .untilClose: mode = .untilClose
        }
    }

    package var isComplete: Bool {
        if case .done = mode { return true }
        return false
    }

    /// Whether the body ends only when the connection closes.
    var endsAtClose: Bool {
        if case .untilClose = mode { return true }
        return false
    }

    /// Moves the body's bytes at the front of `buffer` out of it, calling `forward` with each
    /// piece to pass on; bytes after the body's end stay in `buffer`. Returns how many bytes of
    /// content they held (chunked framing not counted).
    @discardableResult
    package mutating func take(from buffer: inout ByteBuffer, _ forward: (ByteBuffer) -> Void) throws(HTTP1ParseError) -> Int {
        guard buffer.readableBytes > 0 else { return 0 }
        switch mode {
        case .done:
            return 0
        case .untilClose:
            let count = buffer.readableBytes
            forward(buffer.readSlice(length: count)!)
            return count
        case .length(let remaining):
            let count = Int(min(remaining, Int64(buffer.readableBytes)))
            forward(buffer.readSlice(length: count)!)
            mode = remaining == Int64(count) ? .done : .length(remaining: remaining - Int64(count))
            return count
        case .chunked(var scanner):
            let start = buffer.readerIndex
            let consumed: Int
            var content = 0
            if dechunk {
                var ranges: [Range<Int>] = []
                consumed = try buffer.withUnsafeReadableBytes { bytes throws(HTTP1ParseError) in
                    try scanner.scan(bytes) { ranges.append($0) }
                }
                for range in ranges where !range.isEmpty {
                    content += range.count
                    forward(buffer.getSlice(at: start + range.lowerBound, length: range.count)!)
                }
                buffer.moveReaderIndex(forwardBy: consumed)
            } else {
                consumed = try buffer.withUnsafeReadableBytes { bytes throws(HTTP1ParseError) in
                    try scanner.scan(bytes) { content += $0.count }
                }
                if consumed > 0 { forward(buffer.readSlice(length: consumed)!) }
            }
            mode = scanner.isDone ? .done : .chunked(scanner)
            return content
        }
    }
}
