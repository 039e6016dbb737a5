import NIOCore

/// Writes the heads the proxy forwards: the parsed head's own bytes, less the fields that
/// describe only the connection they came on, plus the proxy's own fields.
enum HTTP1HeadWriter {
    /// The request head for the backend: HTTP/1.1 on a keep-alive connection, hop-by-hop fields
    /// dropped, the client's address appended to X-Forwarded-For when `forwardedFor` is given.
    static func writeRequest(
        _ head: HTTP1Head, _ bytes: UnsafeRawBufferPointer, forwardedFor client: String?, into out: inout ByteBuffer
    ) {
        out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[0..<head.target.upperBound]))
        out.writeStaticString(" HTTP/1.1\r\n")
        let named = head.connectionNamesOthers ? connectionNamed(head, bytes) : []
        var previous: [Range<Int>] = []
        for field in head.fields {
            if field.kind.isHopByHop || (!named.isEmpty && isNamed(field, bytes, named)) { continue }
            if field.kind == .xForwardedFor, client != nil {
                previous.append(field.value)
                continue
            }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[field.line]))
        }
        if let client {
            out.writeStaticString("x-forwarded-for: ")
            for range in previous where !range.isEmpty {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[range]))
                out.writeStaticString(", ")
            }
            out.writeString(client)
            out.writeStaticString("\r\n")
        }
        out.writeStaticString("\r\n")
    }

    /// What the response head tells the client about its connection.
    enum ConnectionField {
        case none
        case close
        case keepAlive
    }

    /// The response head for the client: in the client's HTTP version, hop-by-hop fields
    /// dropped, Transfer-Encoding dropped when the body goes out without chunks, the proxy's
    /// Set-Cookie and Connection fields added.
    static func writeResponse(
        _ head: HTTP1Head, _ bytes: UnsafeRawBufferPointer, clientMinor: UInt8, dechunked: Bool,
        setCookie: String?, connection: ConnectionField, into out: inout ByteBuffer
    ) {
        out.writeStaticString(clientMinor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[head.target]))
        out.writeStaticString("\r\n")
        let named = head.connectionNamesOthers ? connectionNamed(head, bytes) : []
        for field in head.fields {
            if field.kind.isHopByHop || (!named.isEmpty && isNamed(field, bytes, named)) { continue }
            // With chunks, a Content-Length is wrong or redundant (RFC 9112 §6.3); without, so is the coding.
            if field.kind == .contentLength && head.chunked || field.kind == .transferEncoding && dechunked {
                continue
            }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[field.line]))
        }
        if let setCookie {
            out.writeStaticString("set-cookie: ")
            out.writeString(setCookie)
            out.writeStaticString("\r\n")
        }
        switch connection {
        case .none: break
        case .close: out.writeStaticString("connection: close\r\n")
        case .keepAlive: out.writeStaticString("connection: keep-alive\r\n")
        }
        out.writeStaticString("\r\n")
    }

    /// The lowercase names the Connection fields list, other than `close` and `keep-alive`.
    private static func connectionNamed(_ head: HTTP1Head, _ bytes: UnsafeRawBufferPointer) -> [[UInt8]] {
        var names: [[UInt8]] = []
        for field in head.fields where field.kind == .connection {
            HTTP1HeadParser.forEachToken(bytes, field.value) { token in
                if HTTP1HeadParser.equalsIgnoringCase(bytes, token, "close")
                    || HTTP1HeadParser.equalsIgnoringCase(bytes, token, "keep-alive")
                {
                    return
                }
                names.append(bytes[token].map(HTTP1HeadParser.lowercased))
            }
        }
        return names
    }

    private static func isNamed(_ field: HTTP1Head.Field, _ bytes: UnsafeRawBufferPointer, _ names: [[UInt8]]) -> Bool {
        names.contains { HTTP1HeadParser.equalsIgnoringCase(bytes, field.name, $0) }
    }
}
