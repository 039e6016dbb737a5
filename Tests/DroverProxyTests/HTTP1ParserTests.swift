import NIOCore
import Testing

@testable import DroverProxy

/// The proxy's own HTTP/1.x head parser, chunked-body scanner and head writer, byte by byte.
@Suite struct HTTP1ParserTests {
    private func parseRequest(_ text: String) throws -> HTTP1Head? {
        var head = HTTP1Head()
        let bytes = Array(text.utf8)
        let complete = try bytes.withUnsafeBytes { raw in
            try HTTP1HeadParser.parseRequest(raw, into: &head)
        }
        return complete ? head : nil
    }

    private func parseResponse(_ text: String) throws -> HTTP1Head? {
        var head = HTTP1Head()
        let bytes = Array(text.utf8)
        let complete = try bytes.withUnsafeBytes { raw in
            try HTTP1HeadParser.parseResponse(raw, into: &head)
        }
        return complete ? head : nil
    }

    @Test func parsesARequestHeadAndItsFraming() throws {
        let text =
            "POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nCookie: a=1; drover=abc\r\nX-User:  u7 \r\n\r\nbody"
        let head = try #require(try parseRequest(text))
        let bytes = Array(text.utf8)
        #expect(head.length == text.utf8.count - 4)
        #expect(head.minor == 1)
        #expect(String(decoding: bytes[head.method], as: UTF8.self) == "POST")
        #expect(String(decoding: bytes[head.target], as: UTF8.self) == "/a?b=c")
        #expect(head.requestFraming == .length(12))
        #expect(head.keepAlive)
        bytes.withUnsafeBytes { raw in
            #expect(head.cookie(named: "drover", in: raw) == "abc")
            #expect(head.cookie(named: "a", in: raw) == "1")
            #expect(head.cookie(named: "b", in: raw) == nil)
            #expect(head.value(ofField: "x-user", in: raw) == "u7")
        }
    }

    @Test func everyPrefixOfAHeadIsIncomplete() throws {
        let text = "GET / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n"
        for length in 0..<text.utf8.count {
            let prefix = String(decoding: Array(text.utf8)[0..<length], as: UTF8.self)
            #expect(try parseRequest(prefix) == nil, "prefix of \(length) bytes")
        }
        #expect(try parseRequest(text)?.requestFraming == .chunked)
    }

    @Test func keepAliveFollowsVersionAndConnection() throws {
        #expect(try parseRequest("GET / HTTP/1.1\r\n\r\n")?.keepAlive == true)
        #expect(try parseRequest("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n")?.keepAlive == false)
        #expect(try parseRequest("GET / HTTP/1.0\r\n\r\n")?.keepAlive == false)
        #expect(try parseRequest("GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n")?.keepAlive == true)
        #expect(try parseRequest("HEAD / HTTP/1.1\r\n\r\n")?.isHEAD == true)
    }

    /// The ambiguities request smuggling relies on, and other broken heads, are refused.
    @Test(arguments: [
        "GET / HTTP/1.1\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n",
        "GET / HTTP/1.1\r\ncontent-length: +5\r\n\r\n",
        "GET / HTTP/1.1\r\ncontent-length: 5, 5\r\n\r\n",
        "GET / HTTP/1.1\r\ntransfer-encoding: chunked, gzip\r\n\r\n",
        "GET / HTTP/1.1\r\ntransfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\ntransfer-encoding: identity\r\n\r\n",
        "GET / HTTP/1.0\r\ntransfer-encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\ncontent-length : 5\r\n\r\n",
        "GET / HTTP/1.1\r\nhost: a\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\nhost: a\n\n",
        "GET / HTTP/1.1\r\nhost: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nhost: a\u{0}\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET /\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "\r\n",
        // A Connection header naming a framing or routing field, anywhere, in any case.
        "POST / HTTP/1.1\r\nconnection: content-length\r\ncontent-length: 5\r\n\r\n",
        "POST / HTTP/1.1\r\nConnection: close,Content-Length \r\ncontent-length: 5\r\n\r\n",
        "POST / HTTP/1.1\r\nconnection: keep-alive\r\nconnection: x-a, TRANSFER-ENCODING\r\n\r\n",
        "GET / HTTP/1.1\r\nhost: a\r\nconnection: Host\r\n\r\n",
    ])
    func malformedRequestsAreRefused(_ text: String) {
        #expect(throws: HTTP1ParseError.self) { try parseRequest(text) }
    }

    @Test func oversizedHeadsAreRefused() {
        let big = "GET / HTTP/1.1\r\nx-big: " + String(repeating: "a", count: HTTP1HeadParser.maxHeadLength)
        #expect(throws: HTTP1ParseError.headTooLarge) { try parseRequest(big) }
        #expect(throws: HTTP1ParseError.headTooLarge) { try parseRequest(big + "\r\n\r\n") }
    }

    @Test func responseFramingFollowsRFC9112() throws {
        let chunked = try #require(try parseResponse("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n"))
        #expect(chunked.responseFraming(requestWasHEAD: false) == .chunked)
        #expect(chunked.responseFraming(requestWasHEAD: true) == .none)
        let sized = try #require(try parseResponse("HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\n"))
        #expect(sized.status == 404)
        #expect(sized.responseFraming(requestWasHEAD: false) == .length(9))
        let open = try #require(try parseResponse("HTTP/1.0 200 OK\r\n\r\n"))
        #expect(open.responseFraming(requestWasHEAD: false) == .untilClose)
        #expect(!open.keepAlive)
        for status in ["100 Continue", "204 No Content", "304 Not Modified"] {
            let head = try #require(try parseResponse("HTTP/1.1 \(status)\r\ncontent-length: 5\r\n\r\n"))
            #expect(head.responseFraming(requestWasHEAD: false) == .none, "\(status)")
        }
        #expect(try parseResponse("HTTP/1.1 200\r\n\r\n")?.status == 200)
        #expect(throws: HTTP1ParseError.self) { try parseResponse("HTTP/1.1 20 OK\r\n\r\n") }
        #expect(throws: HTTP1ParseError.self) { try parseResponse("HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n") }
    }

    // MARK: Chunked bodies

    private func scan(
        _ pieces: [String]
    ) throws -> (
        consumed: Int, content: String, done: Bool
    ) {
        var scanner = HTTP1ChunkedScanner()
        var consumed = 0
        var content: [UInt8] = []
        for piece in pieces {
            let bytes = Array(piece.utf8)
            let used = try bytes.withUnsafeBytes { raw in
                try scanner.scan(raw) { content += bytes[$0] }
            }
            consumed += used
            if scanner.isDone { break }
        }
        return (consumed, String(decoding: content, as: UTF8.self), scanner.isDone)
    }

    @Test func chunkedBodyEndsWhereItSaysSplitAnywhere() throws {
        let body = "5\r\nhello\r\n6;name=value\r\n world\r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n"
        let next = "GET / HTTP/1.1\r\n\r\n"
        let whole = try scan([body + next])
        #expect(whole.done)
        #expect(whole.consumed == body.utf8.count)
        #expect(whole.content == "hello world0123456789")
        let bytes = Array(body.utf8)
        for split in 1..<bytes.count {
            let first = String(decoding: bytes[0..<split], as: UTF8.self)
            let second = String(decoding: bytes[split...], as: UTF8.self)
            let result = try scan([first, second + next])
            #expect(
                result.done && result.consumed == body.utf8.count && result.content == whole.content, "split \(split)")
        }
    }

    @Test(arguments: [
        "5\r\nhelloX\r\n0\r\n\r\n",
        "5\nhello\r\n0\r\n\r\n",
        "x\r\n",
        "\r\n",
        "ffffffffffffffff\r\n",
        "0\r\n\r\r",
        "0\r\nbad trailer\n",
    ])
    func malformedChunkedBodiesAreRefused(_ body: String) {
        #expect(throws: HTTP1ParseError.self) { try scan([body]) }
    }

    // MARK: Writing heads

    @Test func requestHeadDropsHopByHopFieldsAndAppendsTheClient() throws {
        let text =
            "GET /x HTTP/1.0\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: 5\r\n"
            + "Upgrade: h2c\r\nX-Forwarded-For: 10.0.0.1\r\nX-Other: o\r\n\r\n"
        let head = try #require(try parseRequest(text))
        var out = ByteBuffer()
        Array(text.utf8).withUnsafeBytes { raw in
            HTTP1HeadWriter.writeRequest(head, raw, forwardedFor: "127.0.0.9", into: &out)
        }
        #expect(
            String(buffer: out)
                == "GET /x HTTP/1.1\r\nHost: a\r\nX-Other: o\r\nx-forwarded-for: 10.0.0.1, 127.0.0.9\r\n\r\n")
    }

    @Test func responsesNamingTheirFramingInConnectionAreRefused() {
        // The writer would drop the length while the body still followed: the client's next read desyncs.
        #expect(throws: HTTP1ParseError.self) {
            try parseResponse("HTTP/1.1 200 OK\r\nconnection: content-length\r\ncontent-length: 2\r\n\r\n")
        }
        #expect(throws: HTTP1ParseError.self) {
            try parseResponse("HTTP/1.1 200 OK\r\nconnection: x, transfer-encoding\r\ntransfer-encoding: chunked\r\n\r\n")
        }
    }

    @Test func connectionNamingOtherFieldsIsAcceptedAndTheyAreDropped() throws {
        let text = "POST / HTTP/1.1\r\nConnection: x-a, content-lengthy\r\nx-a: 1\r\ncontent-lengthy: 2\r\ncontent-length: 1\r\n\r\n"
        let head = try #require(try parseRequest(text))
        #expect(head.requestFraming == .length(1))
        var out = ByteBuffer()
        Array(text.utf8).withUnsafeBytes { raw in
            HTTP1HeadWriter.writeRequest(head, raw, forwardedFor: nil, into: &out)
        }
        #expect(String(buffer: out) == "POST / HTTP/1.1\r\ncontent-length: 1\r\n\r\n")
    }

    @Test func responseHeadGoesOutInTheClientsVersion() throws {
        let text =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nConnection: keep-alive\r\nX-Version: v2\r\n\r\n"
        let head = try #require(try parseResponse(text))
        var out = ByteBuffer()
        Array(text.utf8).withUnsafeBytes { raw in
            HTTP1HeadWriter.writeResponse(
                head, raw, clientMinor: 0, dechunked: true, setCookie: "drover=1", connection: .close, into: &out)
        }
        #expect(
            String(buffer: out)
                == "HTTP/1.0 200 OK\r\nX-Version: v2\r\nset-cookie: drover=1\r\nconnection: close\r\n\r\n")
    }
}
