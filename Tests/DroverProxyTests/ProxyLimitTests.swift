import DroverProxy
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// The proxy's timeouts and connection cap over real sockets, with short limits injected.
@Suite struct ProxyLimitTests {
    /// Limits short enough for a test; each test shortens the one it checks further.
    static func limits(
        head: Duration = .seconds(30), idle: Duration = .seconds(30), body: Duration = .seconds(30),
        maxConnections: Int = 2_000
    ) -> ServiceProxyConfiguration.Limits {
        .init(headTimeout: head, idleTimeout: idle, bodyTimeout: body, maxConnections: maxConnections)
    }

    @Test func aClientThatSendsNoCompleteHeadGets408AndIsClosed() async throws {
        try await withRecordingBackend { backend in
            try await withProxy(RoutingTable(backends: [Backend(backend)]), limits: Self.limits(head: .milliseconds(300))) {
                proxy, port in
                let clock = ContinuousClock()
                let began = clock.now
                // Nothing at all, and half a head: both are cut off at the head deadline.
                let silent = try await rawExchange(port: port, "")
                let partial = try await rawExchange(port: port, "GET / HTTP/1.1\r\nhost: a\r\n")
                #expect(responseStatuses(silent) == ["408"], "\(silent)")
                #expect(responseStatuses(partial) == ["408"], "\(partial)")
                #expect(clock.now - began >= .milliseconds(600))
                #expect(backend.requests.isEmpty)
                #expect(proxy.limitCounters.headTimeouts == 2)
            }
        }
    }

    @Test func aSlowHeadIsCutOffEvenWhileBytesTrickleIn() async throws {
        try await withRecordingBackend { backend in
            try await withProxy(RoutingTable(backends: [Backend(backend)]), limits: Self.limits(head: .milliseconds(400))) {
                proxy, port in
                try await withTCPClient(port: port) { client in
                    // A byte every 50 ms keeps no per-read timer alive: the deadline is for the whole head.
                    for byte in "GET / HTTP/1.1\r\nhost: a\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8 {
                        do {
                            try await client.write(String(decoding: [byte], as: UTF8.self))
                        } catch {
                            break  // closed by the proxy
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    let text = try await client.readToEnd()
                    #expect(responseStatuses(text) == ["408"], "\(text)")
                }
                #expect(backend.requests.isEmpty)
                #expect(proxy.limitCounters.headTimeouts == 1)
            }
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await withRecordingBackend { backend in
            try await withProxy(
                RoutingTable(backends: [Backend(backend)]), limits: Self.limits(head: .seconds(30), idle: .milliseconds(300))
            ) { proxy, port in
                try await withTCPClient(port: port) { client in
                    let clock = ContinuousClock()
                    try await client.write("GET /one HTTP/1.1\r\nhost: a\r\n\r\n")
                    let answered = clock.now
                    // The answer, then nothing more: the proxy closes without a word.
                    let text = try await client.readToEnd()
                    #expect(responseStatuses(text) == ["200"], "\(text)")
                    #expect(clock.now - answered >= .milliseconds(300))
                }
                #expect(backend.requests.map(\.uri) == ["/one"])
                try await waitUntil("idle timeout counted") { proxy.limitCounters.idleTimeouts == 1 }
                #expect(proxy.limitCounters.headTimeouts == 0)
            }
        }
    }

    @Test func aConnectionThatKeepsSendingRequestsStaysOpenPastTheIdleTimeout() async throws {
        try await withRecordingBackend { backend in
            try await withProxy(
                RoutingTable(backends: [Backend(backend)]), limits: Self.limits(head: .seconds(30), idle: .seconds(2))
            ) { proxy, port in
                var starved = false
                try await withHTTPClient(port: port) { client in
                    let clock = ContinuousClock()
                    let began = clock.now
                    var lastAnswer = began
                    var sent = 0
                    // Gaps of a twentieth of the timeout, for 2.25 timeouts in all.
                    while clock.now - began < .milliseconds(4_500) {
                        let gap = clock.now - lastAnswer
                        do {
                            let response = try await client.send(.GET, "/\(sent)")
                            #expect(response.status == 200)
                        } catch {
                            // Only a gap near the timeout (this test's task starved on a loaded
                            // machine) may end the connection; a shorter one is a bug.
                            #expect(gap >= .milliseconds(1_500), "closed after a gap of \(gap): \(error)")
                            starved = true
                            break
                        }
                        lastAnswer = clock.now
                        sent += 1
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    #expect(backend.requests.count == sent)
                }
                if !starved { #expect(proxy.limitCounters.idleTimeouts == 0) }
            }
        }
    }

    @Test func aStalledRequestBodyClosesBothConnections() async throws {
        try await withRecordingBackend { backend in
            try await withProxy(
                RoutingTable(backends: [Backend(backend)]), limits: Self.limits(body: .milliseconds(300))
            ) { proxy, port in
                try await withTCPClient(port: port) { client in
                    try await client.write("POST /upload HTTP/1.1\r\nhost: a\r\ncontent-length: 100\r\n\r\nsome of it")
                    let text = try await client.readToEnd()
                    #expect(responseStatuses(text) == ["408"], "\(text)")
                }
                // The backend saw the head and part of the body on a connection the proxy then closed.
                try await waitUntil("backend connection closed") { backend.openConnections == 0 }
                #expect(backend.requests.isEmpty)
                #expect(proxy.limitCounters.bodyTimeouts == 1)
            }
        }
    }

    @Test func aBodyThatKeepsMovingIsNotCutOff() async throws {
        try await withRecordingBackend { backend in
            try await withProxy(
                RoutingTable(backends: [Backend(backend)]), limits: Self.limits(body: .seconds(2))
            ) { proxy, port in
                let text = try await withTCPClient(port: port) { client in
                    try await client.write("POST /upload HTTP/1.1\r\nhost: a\r\ncontent-length: 45\r\nconnection: close\r\n\r\n")
                    // 45 bytes over 4.5 s: 2.25 times the timeout in all, gaps a twentieth of it.
                    for _ in 0..<45 {
                        try await Task.sleep(for: .milliseconds(100))
                        try await client.write("x")
                    }
                    return try await client.readToEnd()
                }
                #expect(responseStatuses(text) == ["200"], "\(text)")
                #expect(backend.requests.map(\.body) == [Array(String(repeating: "x", count: 45).utf8)])
                #expect(proxy.limitCounters.bodyTimeouts == 0)
            }
        }
    }
}
