import DroverProxy
import Testing

/// Requests whose Connection header names a framing or routing field: the proxy would drop
/// that field on the way on while the body it frames still follows, so a pooled backend
/// connection would read the body as a next request. They get a 400 and reach no backend.
@Suite(.timeLimit(.minutes(1))) struct SmugglingTests {
    /// The smuggled request hides in the body; its target says so if it ever reaches the backend.
    static let smuggled = "GET /smuggled HTTP/1.1\r\nhost: a\r\n\r\n"

    @Test(arguments: [
        "POST /x HTTP/1.1\r\nhost: a\r\nconnection: content-length\r\ncontent-length: 34\r\n\r\n" + smuggled,
        "POST /x HTTP/1.1\r\nhost: a\r\nConnection: keep-alive, Content-Length\r\nContent-Length: 34\r\n\r\n"
            + smuggled,
        "POST /x HTTP/1.1\r\nhost: a\r\nconnection: keep-alive\r\ncontent-length: 34\r\nconnection: x-a ,CONTENT-LENGTH\r\n\r\n"
            + smuggled,
        "POST /x HTTP/1.1\r\nhost: a\r\nconnection: Transfer-Encoding\r\ntransfer-encoding: chunked\r\n\r\n"
            + "22\r\n" + smuggled + "\r\n0\r\n\r\n",
        "GET /x HTTP/1.1\r\nhost: a\r\nconnection: host\r\n\r\n",
        "POST /x HTTP/1.0\r\nconnection: keep-alive, content-length\r\ncontent-length: 34\r\n\r\n" + smuggled,
    ])
    func connectionNamingAFramingFieldGetsA400AndReachesNoBackend(_ attack: String) async throws {
        try await withRecordingBackend { backend in
            try await withProxy(RoutingTable(backends: [Backend(backend)])) { _, port in
                // A first request warms a pooled upstream connection the attack could ride on.
                let text = try await rawExchange(port: port, "GET /first HTTP/1.1\r\nhost: a\r\n\r\n" + attack)
                #expect(responseStatuses(text) == ["200", "400"], "\(text)")
                #expect(text.lowercased().contains("connection: close"), "\(text)")
                // A later client on a reused upstream connection is not answered for the smuggled one.
                let after = try await rawExchange(port: port, "GET /after HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n")
                #expect(responseStatuses(after) == ["200"], "\(after)")
                #expect(backend.requests.map(\.uri) == ["/first", "/after"], "\(backend.requests)")
            }
        }
    }

    @Test func connectionNamingOtherFieldsStillDropsThem() async throws {
        try await withRecordingBackend { backend in
            try await withProxy(RoutingTable(backends: [Backend(backend)])) { _, port in
                let text = try await rawExchange(
                    port: port,
                    "POST /x HTTP/1.1\r\nhost: a\r\nconnection: x-secret, close\r\nx-secret: s\r\ncontent-length: 3\r\n\r\nabc")
                #expect(responseStatuses(text) == ["200"], "\(text)")
                let request = try #require(backend.requests.first)
                #expect(backend.requests.count == 1)
                #expect(!request.headers.contains { $0.hasPrefix("x-secret") }, "\(request)")
                #expect(request.body == Array("abc".utf8))
            }
        }
    }
}
