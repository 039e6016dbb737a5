/// A parsed HTTP/1.x message head (request or response), as offsets into the bytes it was
/// parsed from. The proxy forwards most of a head as it came, so it keeps where each field is
/// rather than decoding names and values into strings.
package struct HTTP1Head {
    /// How a message's body is delimited.
    package enum Framing: Equatable {
        case none
        case length(Int64)
        case chunked
        /// A response without length: its body ends when the backend closes.
        case untilClose
    }

    /// The header fields the proxy treats specially; everything else is `.other`.
    enum FieldKind: UInt8 {
        case other
        case connection
        case keepAlive
        case proxyConnection
        case te
        case trailer
        case upgrade
        case contentLength
        case transferEncoding
        case xForwardedFor
        case cookie

        /// Fields that describe one connection, not the message: never forwarded.
        var isHopByHop: Bool {
            switch self {
            case .connection, .keepAlive, .proxyConnection, .te, .trailer, .upgrade: true
            default: false
            }
        }
    }

    package struct Field {
        /// The whole line, its CRLF included.
        package var line: Range<Int>
        package var name: Range<Int>
        /// The value without surrounding whitespace.
        package var value: Range<Int>
        var kind: FieldKind
    }

    /// Bytes of the head, the blank line that ends it included.
    package var length = 0
    /// 0 or 1: the message's HTTP/1.x minor version.
    var minor: UInt8 = 1
    /// Request: the method. Response: empty.
    package var method: Range<Int> = 0..<0
    /// Request: the request target. Response: the status line after the version (code and reason).
    package var target: Range<Int> = 0..<0
    /// Response: the status code. Request: 0.
    package var status = 0
    package var fields: [Field] = []
    package var contentLength: Int64?
    /// Transfer-Encoding ends in `chunked`.
    var chunked = false
    /// Transfer-Encoding is present but does not end in `chunked`.
    var otherCoding = false
    /// `chunked` appeared among the codings (a second one is refused).
    var sawChunked = false
    var connectionClose = false
    var connectionKeepAlive = false
    /// The Connection header names other fields (hop-by-hop by that naming).
    var connectionNamesOthers = false
    var isHEAD = false
    var isCONNECT = false

    package init() {
        fields.reserveCapacity(16)
    }

    /// Empties the head for the next message, keeping the field storage.
    mutating func reset() {
        length = 0
        minor = 1
        method = 0..<0
        target = 0..<0
        status = 0
        fields.removeAll(keepingCapacity: true)
        contentLength = nil
        chunked = false
        otherCoding = false
        sawChunked = false
        connectionClose = false
        connectionKeepAlive = false
        connectionNamesOthers = false
        isHEAD = false
        isCONNECT = false
    }

    /// Whether the connection may carry another message after this one, by version and the
    /// Connection header.
    var keepAlive: Bool {
        minor == 1 ? !connectionClose : connectionKeepAlive && !connectionClose
    }

    /// How the body of this request is delimited (a request without length has none).
    package var requestFraming: Framing {
        if chunked { return .chunked }
        if let contentLength { return contentLength == 0 ? .none : .length(contentLength) }
        return .none
    }

    /// How the body of this response is delimited, given whether the request was HEAD.
    package func responseFraming(requestWasHEAD: Bool) -> Framing {
        if requestWasHEAD || status / 100 == 1 || status == 204 || status == 304 { return .none }
        if chunked { return .chunked }
        if otherCoding { return .untilClose }
        if let contentLength { return contentLength == 0 ? .none : .length(contentLength) }
        return .untilClose
    }
}
