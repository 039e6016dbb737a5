/// Follows a chunked body (RFC 9112 §7.1) byte by byte to find where it ends, so the proxy can
/// forward it as it came and know where the next message starts. It can also pick out the
/// chunks' data, for a client that cannot take chunked framing (HTTP/1.0).
package struct HTTP1ChunkedScanner {
    private enum State {
        case size
        case extensions
        case sizeLineFeed
        case data(remaining: Int64)
        case dataCarriageReturn
        case dataLineFeed
        /// At the start of a trailer line (or of the blank line that ends the body).
        case trailerStart
        case trailerLine
        case trailerLineFeed
        case finalLineFeed
        case done
    }

    private var state = State.size
    private var size: Int64 = 0
    private var sizeDigits = 0
    private var lineBytes = 0

    /// Longest chunk-size line (size and extensions) and trailer line accepted.
    static let maxLineLength = 4096

    /// A scanner at the start of a chunked body.
    package init() {}

    package var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Consumes bytes of the body from the start of `bytes` and returns how many belong to it
    /// (fewer than `bytes.count` only when the body ended). `data` is called with the ranges of
    /// chunk data among them.
    package mutating func scan(
        _ bytes: UnsafeRawBufferPointer, data: (Range<Int>) -> Void = { _ in }
    ) throws(HTTP1ParseError) -> Int {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch state {
            case .size:
                if let digit = Self.hexValue(byte) {
                    sizeDigits += 1
                    guard sizeDigits <= 15 else { throw .malformed("chunk size too large") }
                    size = size << 4 | Int64(digit)
                } else {
                    guard sizeDigits > 0 else { throw .malformed("bad chunk size") }
                    switch byte {
                    case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                        state = .extensions
                        lineBytes = 0
                    case UInt8(ascii: "\r"): state = .sizeLineFeed
                    default: throw .malformed("bad chunk size")
                    }
                }
                index += 1
            case .extensions:
                // Chunk extensions are passed on unread; only their length and bytes are checked.
                lineBytes += 1
                guard lineBytes <= Self.maxLineLength else { throw .malformed("chunk extension too long") }
                if byte == UInt8(ascii: "\r") {
                    state = .sizeLineFeed
                } else if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F {
                    throw .malformed("bad chunk extension")
                }
                index += 1
            case .sizeLineFeed:
                guard byte == UInt8(ascii: "\n") else { throw .malformed("chunk size line without LF") }
                index += 1
                if size == 0 {
                    state = .trailerStart
                } else {
                    state = .data(remaining: size)
                }
                size = 0
                sizeDigits = 0
            case .data(let remaining):
                let take = Int(min(remaining, Int64(bytes.count - index)))
                data(index..<index + take)
                index += take
                state = remaining == Int64(take) ? .dataCarriageReturn : .data(remaining: remaining - Int64(take))
            case .dataCarriageReturn:
                guard byte == UInt8(ascii: "\r") else { throw .malformed("chunk data longer than its size") }
                state = .dataLineFeed
                index += 1
            case .dataLineFeed:
                guard byte == UInt8(ascii: "\n") else { throw .malformed("chunk data without CRLF") }
                state = .size
                index += 1
            case .trailerStart:
                if byte == UInt8(ascii: "\r") {
                    state = .finalLineFeed
                } else {
                    guard HTTP1HeadParser.isTokenByte(byte) else { throw .malformed("bad trailer field") }
                    state = .trailerLine
                    lineBytes = 1
                }
                index += 1
            case .trailerLine:
                lineBytes += 1
                guard lineBytes <= Self.maxLineLength else { throw .malformed("trailer field too long") }
                if byte == UInt8(ascii: "\r") {
                    state = .trailerLineFeed
                } else if byte == UInt8(ascii: "\n") || byte == 0 {
                    throw .malformed("bad trailer field")
                }
                index += 1
            case .trailerLineFeed:
                guard byte == UInt8(ascii: "\n") else { throw .malformed("trailer field without LF") }
                state = .trailerStart
                index += 1
            case .finalLineFeed:
                guard byte == UInt8(ascii: "\n") else { throw .malformed("last chunk without CRLF") }
                state = .done
                return index + 1
            case .done:
                return index
            }
        }
        return index
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
