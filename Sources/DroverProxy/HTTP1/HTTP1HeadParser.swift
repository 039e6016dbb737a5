/// Why a message head was refused.
package enum HTTP1ParseError: Error, Equatable {
    /// Not HTTP/1.x as RFC 9112 spells it (the proxy answers 400, or 502 for a backend's response).
    case malformed(String)
    /// The head is longer than the limit (431 for a request).
    case headTooLarge
}

/// Parses HTTP/1.0 and 1.1 message heads strictly (RFC 9112): CRLF line ends only, no
/// whitespace before a field's colon, no obsolete line folding, one agreed Content-Length,
/// Transfer-Encoding and Content-Length not together in a request, no Connection header naming
/// Content-Length, Transfer-Encoding or Host — the ambiguities request
/// smuggling lives on are refused rather than guessed at.
package enum HTTP1HeadParser {
    /// Heads longer than this are refused (NIO's default limit is 80 KiB; nginx's 8 KiB per line).
    package static let maxHeadLength = 64 * 1024

    /// Parses a request head at the start of `bytes` into `head`. Returns false when the head
    /// is not complete yet.
    package static func parseRequest(
        _ bytes: UnsafeRawBufferPointer, into head: inout HTTP1Head
    ) throws(HTTP1ParseError) -> Bool {
        head.reset()
        guard let firstEnd = try lineEnd(bytes, from: 0) else { return try incomplete(bytes) }
        // request-line = method SP request-target SP HTTP-version
        var index = 0
        while index < firstEnd, isTokenByte(bytes[index]) { index += 1 }
        guard index > 0, index < firstEnd, bytes[index] == space else { throw .malformed("bad request method") }
        head.method = 0..<index
        index += 1
        let targetStart = index
        while index < firstEnd, isTargetByte(bytes[index]) { index += 1 }
        guard index > targetStart, index < firstEnd, bytes[index] == space else {
            throw .malformed("bad request target")
        }
        head.target = targetStart..<index
        index += 1
        guard firstEnd - index == 8, let minor = versionMinor(bytes, at: index) else {
            throw .malformed("unsupported HTTP version")
        }
        head.minor = minor
        head.isHEAD = equals(bytes, head.method, "HEAD")
        head.isCONNECT = equals(bytes, head.method, "CONNECT")
        guard try parseFields(bytes, from: firstEnd + 2, into: &head) else { return try incomplete(bytes) }
        if head.chunked || head.otherCoding {
            // RFC 9112 §6.3: a request with both is how smuggling starts; one that is not
            // chunked at the end has no length the server could know.
            if head.contentLength != nil { throw .malformed("both Transfer-Encoding and Content-Length") }
            if head.otherCoding { throw .malformed("Transfer-Encoding not ending in chunked") }
            if head.minor == 0 { throw .malformed("Transfer-Encoding in an HTTP/1.0 request") }
        }
        return true
    }

    /// Parses a response head at the start of `bytes` into `head`. Returns false when the head
    /// is not complete yet.
    package static func parseResponse(
        _ bytes: UnsafeRawBufferPointer, into head: inout HTTP1Head
    ) throws(HTTP1ParseError) -> Bool {
        head.reset()
        guard let firstEnd = try lineEnd(bytes, from: 0) else { return try incomplete(bytes) }
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        guard firstEnd >= 12, let minor = versionMinor(bytes, at: 0), bytes[8] == space else {
            throw .malformed("bad status line")
        }
        head.minor = minor
        var status = 0
        for index in 9..<12 {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .malformed("bad status code") }
            status = status * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard status >= 100, firstEnd == 12 || bytes[12] == space else { throw .malformed("bad status code") }
        for index in 12..<firstEnd where !isValueByte(bytes[index]) { throw .malformed("bad reason phrase") }
        head.status = status
        head.target = 9..<firstEnd
        guard try parseFields(bytes, from: firstEnd + 2, into: &head) else { return try incomplete(bytes) }
        return true
    }

    private static func incomplete(_ bytes: UnsafeRawBufferPointer) throws(HTTP1ParseError) -> Bool {
        if bytes.count > maxHeadLength { throw .headTooLarge }
        return false
    }

    /// Parses field lines from `start` to the blank line; false when the blank line is not there yet.
    private static func parseFields(
        _ bytes: UnsafeRawBufferPointer, from start: Int, into head: inout HTTP1Head
    ) throws(HTTP1ParseError) -> Bool {
        var lineStart = start
        while true {
            guard let end = try lineEnd(bytes, from: lineStart) else { return false }
            if end == lineStart {
                head.length = end + 2
                guard head.length <= maxHeadLength else { throw .headTooLarge }
                return true
            }
            var index = lineStart
            while index < end, isTokenByte(bytes[index]) { index += 1 }
            guard index > lineStart, index < end, bytes[index] == colon else {
                // Also refuses obsolete line folding (a line starting with whitespace).
                throw .malformed("bad header field")
            }
            let name = lineStart..<index
            index += 1
            while index < end, bytes[index] == space || bytes[index] == tab { index += 1 }
            var valueEnd = end
            while valueEnd > index, bytes[valueEnd - 1] == space || bytes[valueEnd - 1] == tab { valueEnd -= 1 }
            for position in index..<valueEnd where !isValueByte(bytes[position]) {
                throw .malformed("bad header value")
            }
            let field = HTTP1Head.Field(
                line: lineStart..<end + 2, name: name, value: index..<valueEnd, kind: kind(of: bytes, name))
            try apply(field, bytes, to: &head)
            head.fields.append(field)
            lineStart = end + 2
        }
    }

    /// Takes in what the proxy needs to know from a field: framing and connection options.
    private static func apply(
        _ field: HTTP1Head.Field, _ bytes: UnsafeRawBufferPointer, to head: inout HTTP1Head
    ) throws(HTTP1ParseError) {
        switch field.kind {
        case .contentLength:
            guard !field.value.isEmpty, field.value.count <= 18 else { throw .malformed("bad Content-Length") }
            var length: Int64 = 0
            for index in field.value {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                    throw .malformed("bad Content-Length")
                }
                length = length * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            if let previous = head.contentLength, previous != length { throw .malformed("conflicting Content-Length") }
            head.contentLength = length
        case .transferEncoding:
            // Across every Transfer-Encoding field, in order: chunked counts only as the last
            // coding, and only once.
            var twice = false
            forEachToken(bytes, field.value) { token in
                if equalsIgnoringCase(bytes, token, "chunked") {
                    if head.chunked || head.sawChunked { twice = true }
                    head.chunked = true
                    head.sawChunked = true
                    head.otherCoding = false
                } else {
                    head.chunked = false
                    head.otherCoding = true
                }
            }
            if twice { throw .malformed("chunked applied twice") }
            if !head.chunked && !head.otherCoding { throw .malformed("empty Transfer-Encoding") }
        case .connection:
            var namesFraming = false
            forEachToken(bytes, field.value) { token in
                if equalsIgnoringCase(bytes, token, "close") {
                    head.connectionClose = true
                } else if equalsIgnoringCase(bytes, token, "keep-alive") {
                    head.connectionKeepAlive = true
                } else {
                    head.connectionNamesOthers = true
                    if isFramingOrRoutingName(bytes, token) { namesFraming = true }
                }
            }
            // A field the Connection header names is dropped on the way on, but the body it
            // frames would still follow: the next hop would read that body as another message.
            if namesFraming { throw .malformed("Connection names a framing or routing field") }
        default:
            break
        }
    }

    /// Whether a Connection token names Content-Length, Transfer-Encoding or Host, which must
    /// never be treated as hop-by-hop (RFC 9110 §7.6.1).
    private static func isFramingOrRoutingName(_ bytes: UnsafeRawBufferPointer, _ token: Range<Int>) -> Bool {
        equalsIgnoringCase(bytes, token, "content-length") || equalsIgnoringCase(bytes, token, "transfer-encoding")
            || equalsIgnoringCase(bytes, token, "host")
    }

    /// The index of the CR of the line starting at `start`; nil when its end is not there yet.
    private static func lineEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(HTTP1ParseError) -> Int? {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == lineFeed { throw .malformed("line ends in a bare LF") }
            if byte == carriageReturn {
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == lineFeed else { throw .malformed("bare CR") }
                return index
            }
            index += 1
        }
        return nil
    }

    private static func versionMinor(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt8? {
        guard index + 8 <= bytes.count, bytes[index] == UInt8(ascii: "H"), bytes[index + 1] == UInt8(ascii: "T"),
            bytes[index + 2] == UInt8(ascii: "T"), bytes[index + 3] == UInt8(ascii: "P"),
            bytes[index + 4] == UInt8(ascii: "/"), bytes[index + 5] == UInt8(ascii: "1"),
            bytes[index + 6] == UInt8(ascii: ".")
        else { return nil }
        switch bytes[index + 7] {
        case UInt8(ascii: "0"): return 0
        case UInt8(ascii: "1"): return 1
        default: return nil
        }
    }

    private static func kind(of bytes: UnsafeRawBufferPointer, _ name: Range<Int>) -> HTTP1Head.FieldKind {
        // Lengths first: most names are ruled out without comparing.
        switch name.count {
        case 2: return equalsIgnoringCase(bytes, name, "te") ? .te : .other
        case 6: return equalsIgnoringCase(bytes, name, "cookie") ? .cookie : .other
        case 7:
            if equalsIgnoringCase(bytes, name, "trailer") { return .trailer }
            return equalsIgnoringCase(bytes, name, "upgrade") ? .upgrade : .other
        case 10:
            if equalsIgnoringCase(bytes, name, "connection") { return .connection }
            return equalsIgnoringCase(bytes, name, "keep-alive") ? .keepAlive : .other
        case 14: return equalsIgnoringCase(bytes, name, "content-length") ? .contentLength : .other
        case 15: return equalsIgnoringCase(bytes, name, "x-forwarded-for") ? .xForwardedFor : .other
        case 16: return equalsIgnoringCase(bytes, name, "proxy-connection") ? .proxyConnection : .other
        case 17: return equalsIgnoringCase(bytes, name, "transfer-encoding") ? .transferEncoding : .other
        default: return .other
        }
    }

    /// Calls `body` with each comma-separated token of a field value, whitespace trimmed.
    static func forEachToken(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var start = range.lowerBound
        while start < range.upperBound {
            var end = start
            while end < range.upperBound, bytes[end] != UInt8(ascii: ",") { end += 1 }
            var first = start
            var last = end
            while first < last, bytes[first] == space || bytes[first] == tab { first += 1 }
            while last > first, bytes[last - 1] == space || bytes[last - 1] == tab { last -= 1 }
            if first < last { body(first..<last) }
            start = end + 1
        }
    }

    /// Whether `range` of `bytes` spells `word` exactly.
    static func equals(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let utf8 = word.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != utf8[offset] { return false }
        return true
    }

    /// Whether `range` of `bytes` spells the lowercase `word` in any case.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let utf8 = word.utf8Start
        for offset in 0..<range.count where lowercased(bytes[range.lowerBound + offset]) != utf8[offset] {
            return false
        }
        return true
    }

    /// Whether `range` of `bytes` spells `word` (lowercase UTF-8) in any case.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ word: [UInt8]) -> Bool {
        guard range.count == word.count else { return false }
        for offset in 0..<range.count where lowercased(bytes[range.lowerBound + offset]) != word[offset] {
            return false
        }
        return true
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ byte: UInt8) -> Bool { tokenTable[Int(byte)] }

    /// A request-target byte: visible ASCII (the target is checked by the backend; the proxy only
    /// keeps it to one token).
    private static func isTargetByte(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    /// field-content: visible ASCII, obs-text, space and tab; no other control byte.
    private static func isValueByte(_ byte: UInt8) -> Bool {
        (byte >= 0x20 && byte != 0x7F) || byte == tab
    }

    private static let tokenTable: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let colon = UInt8(ascii: ":")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")
}
