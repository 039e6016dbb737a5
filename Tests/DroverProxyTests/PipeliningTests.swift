import DroverProxy
import Foundation
import Testing

/// Pipelined HTTP/1.1 requests (several sent before the first answer) over a raw socket.
@Suite struct PipeliningTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { proxy, port in
                // The first answer is delayed, so the two behind it arrive while it is in flight.
                let text = try await rawExchange(
                    port: port,
                    "GET /delay/50 HTTP/1.1\r\nhost: a\r\n\r\n"
                        + "GET /status/201 HTTP/1.1\r\nhost: a\r\n\r\n"
                        + "GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n")
                #expect(responseStatuses(text) == ["200", "201", "200"], "\(text)")
                #expect(text.lowercased().contains("connection: close"))
                try await waitForRecorded(proxy, requests: 3, version: "v1")
            }
        }
    }

    @Test func requestsPipelinedAfterConnectionCloseAreNotForwarded() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                let text = try await rawExchange(
                    port: port,
                    "GET /delay/50 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n"
                        + "GET /status/201 HTTP/1.1\r\nhost: a\r\n\r\n")
                #expect(responseStatuses(text) == ["200"], "\(text)")
                #expect(servers[0].requests == 1)
            }
        }
    }

    @Test func malformedBytesBehindARequestInFlightGetA400AfterItsAnswer() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                let text = try await rawExchange(
                    port: port,
                    "GET /delay/50 HTTP/1.1\r\nhost: a\r\n\r\nNOT HTTP\r\n\r\n")
                #expect(responseStatuses(text) == ["200", "400"], "\(text)")
            }
        }
    }
}
