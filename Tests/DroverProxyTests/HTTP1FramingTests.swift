import DroverProxy
import Foundation
import Testing

/// HTTP/1.x framing through the proxy over raw sockets: chunked bodies both ways, HTTP/1.0
/// clients, HEAD, refused heads. The proxy parses and frames the bytes itself, so these are
/// the cases a codec would otherwise have handled.
@Suite struct HTTP1FramingTests {
    @Test func chunkedRequestBodyReachesTheBackendAndThePipelinedRequestBehindItToo() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                let text = try await rawExchange(
                    port: port,
                    "POST /echo HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n7;ext=1\r\n, proxy\r\n0\r\n\r\n"
                        + "GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n")
                #expect(responseStatuses(text) == ["200", "200"], "\(text)")
                // The echo comes back chunked (no length), as the backend sent it.
                #expect(text.lowercased().contains("transfer-encoding: chunked"), "\(text)")
                #expect(text.contains("hello") && text.contains(", proxy"), "\(text)")
                #expect(text.hasSuffix("v1"), "\(text)")
                #expect(servers[0].requests == 2)
            }
        }
    }

    @Test func anHTTP10ClientGetsAChunkedResponseAsPlainBytesEndedByTheClose() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { proxy, port in
                let text = try await rawExchange(
                    port: port,
                    "POST /echo HTTP/1.0\r\ncontent-length: 11\r\n\r\nhello world")
                #expect(text.hasPrefix("HTTP/1.0 200 OK\r\n"), "\(text)")
                #expect(!text.lowercased().contains("transfer-encoding"), "\(text)")
                #expect(text.lowercased().contains("connection: close"), "\(text)")
                #expect(text.hasSuffix("\r\n\r\nhello world"), "\(text)")
                try await waitForRecorded(proxy, requests: 1, version: "v1")
                let metrics = try #require(proxy.stats.snapshot()["v1"])
                #expect(metrics.bytesFromClients == 11)
                #expect(metrics.bytesToClients == 11)
            }
        }
    }

    @Test func headResponseHasNoBodyAndTheNextRequestFollows() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                let text = try await rawExchange(
                    port: port,
                    "HEAD / HTTP/1.1\r\nhost: a\r\n\r\nGET /status/201 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n"
                )
                #expect(responseStatuses(text) == ["200", "201"], "\(text)")
                let head = try #require(text.components(separatedBy: "HTTP/1.1 201").first)
                #expect(head.hasSuffix("\r\n\r\n"), "no body after the HEAD response: \(text)")
                #expect(text.hasSuffix("v1"))
            }
        }
    }

    /// Heads that could be read two ways get a 400 and reach no backend.
    @Test(arguments: [
        "POST /echo HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nhost: a\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab",
        "GET / HTTP/1.1\nhost: a\n\n",
        "GET / HTTP/1.1\r\nhost: a\r\n  folded\r\n\r\n",
    ])
    func ambiguousRequestsGetA400AndReachNoBackend(_ request: String) async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                let text = try await rawExchange(
                    port: port,
                    request)
                #expect(responseStatuses(text) == ["400"], "\(text)")
                #expect(servers[0].requests == 0)
            }
        }
    }

    @Test func brokenChunkedFramingMidBodyClosesWithoutForwardingMore() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                let text = try await rawExchange(
                    port: port,
                    "POST /held HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhelloXX\r\n"
                        + "GET /status/201 HTTP/1.1\r\nhost: a\r\n\r\n")
                #expect(responseStatuses(text) == ["400"], "\(text)")
                #expect(!text.contains("201"))
            }
        }
    }

    @Test func oversizedHeadGets431() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                let text = try await rawExchange(
                    port: port,
                    "GET / HTTP/1.1\r\nx-big: " + String(repeating: "a", count: 70_000) + "\r\n\r\n")
                #expect(responseStatuses(text) == ["431"], "\(text.prefix(200))")
                #expect(servers[0].requests == 0)
            }
        }
    }

    @Test func fieldsTheConnectionHeaderNamesAreNotForwarded() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                let text = try await rawExchange(
                    port: port,
                    "GET /headers HTTP/1.1\r\nhost: a\r\nconnection: x-hop, close\r\nx-hop: secret\r\n"
                        + "keep-alive: timeout=5\r\nx-end: kept\r\n\r\n")
                let body = try #require(text.components(separatedBy: "\r\n\r\n").last)
                #expect(body.contains("x-end: kept"), "\(text)")
                #expect(!body.contains("x-hop"), "\(text)")
                #expect(!body.contains("keep-alive"), "\(text)")
                #expect(!body.contains("connection"), "\(text)")
            }
        }
    }
}
