import DroverProxy
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The HTTP proxy over real loopback sockets, with real backend servers.
@Suite struct HTTPProxyTests {
    @Test func forwardsAndAnswers503WhenNoBackendIsActive() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable()) { proxy, port in
                try await withHTTPClient(port: port) { client in
                    let empty = try await client.send()
                    #expect(empty.status == 503)
                    try await proxy.update(RoutingTable(backends: [Backend(servers[0], weight: 10_000)]))
                    let answered = try await client.send()  // same keep-alive connection
                    #expect(answered.status == 200)
                    #expect(answered.text == "v1")
                    let headers = try await client.send(.GET, "/headers")
                    #expect(headers.text.contains("x-forwarded-for: 127.0.0.1"))
                }
            }
        }
    }

    @Test func deadBackendAnswers502AndCountsAsError() async throws {
        // A port that was just bound and released: nothing listens there.
        let dead = try await TestServer.http(version: "dead")
        await dead.stop()
        let table = RoutingTable(backends: [Backend(dead, weight: 10_000)])
        try await withProxy(table) { proxy, port in
            try await withHTTPClient(port: port) { client in
                for _ in 0..<3 {
                    let response = try await client.send()
                    #expect(response.status == 502)
                }
            }
            try await waitForRecorded(proxy, requests: 3, version: "dead")
            let metrics = try #require(proxy.stats.snapshot()["dead"])
            #expect(metrics.requests == 3)
            #expect(metrics.errors == 3)
            #expect(metrics.connectFailures == 3)
        }
    }

    @Test func backend5xxCountsAsErrorForItsVersion() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { proxy, port in
                try await withHTTPClient(port: port) { client in
                    let got49 = try await client.send(.GET, "/status/500").status; #expect(got49 == 500)
                    let got50 = try await client.send(.GET, "/status/404").status; #expect(got50 == 404)
                    let got51 = try await client.send().status; #expect(got51 == 200)
                }
                try await waitForRecorded(proxy, requests: 3, version: "v1")
                let metrics = try #require(proxy.stats.snapshot()["v1"])
                #expect(metrics.requests == 3)
                #expect(metrics.errors == 1)
                #expect(metrics.connectFailures == 0)
            }
        }
    }

    @Test(arguments: [(0, 10_000), (1_000, 9_000), (5_000, 5_000)])
    func realTrafficFollowsTheWeights(canary: Int, stable: Int) async throws {
        try await withBackends(["stable", "canary"]) { servers in
            let table = RoutingTable(
                backends: [Backend(servers[0], weight: stable), Backend(servers[1], weight: canary)],
                canaryVersion: "canary")
            try await withProxy(table) { proxy, port in
                let perClient = 250
                let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            try await withHTTPClient(port: port) { client in
                                var canaryCount = 0
                                for _ in 0..<perClient where try await client.send().text == "canary" {
                                    canaryCount += 1
                                }
                                return canaryCount
                            }
                        }
                    }
                    return try await group.reduce(0, +)
                }
                let share = Double(counts) * 100 / Double(4 * perClient)
                // 1,000 requests: ±6 points is over 3.7 standard deviations at 50 %.
                #expect(abs(share - Double(canary) / 100) <= 6, "canary share \(share) %")
                try await waitForRecorded(proxy, requests: UInt64(4 * perClient))
                let snapshot = proxy.stats.snapshot()
                #expect((snapshot["canary"]?.requests ?? 0) == UInt64(counts))
                #expect((snapshot["stable"]?.requests ?? 0) == UInt64(4 * perClient - counts))
            }
        }
    }

    @Test func oneUpstreamConnectionServesManyKeepAliveRequests() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { proxy, port in
                try await withHTTPClient(port: port) { client in
                    for _ in 0..<100 { let got95 = try await client.send().text; #expect(got95 == "v1") }
                }
                #expect(servers[0].requests == 100)
                #expect(servers[0].connections == 1)
                #expect(await proxy.idleUpstreamConnections(backendID: "v1") == 1)
            }
        }
    }

    @Test func backendClosingIdleKeepAliveConnectionsFailsNoRequest() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                try await withHTTPClient(port: port) { client in
                    for round in 1...5 {
                        let response = try await client.send()
                        #expect(response.status == 200)
                        #expect(servers[0].connections == round)
                        // The backend times out its idle connection, as Node's 5 s keep-alive does.
                        await servers[0].dropConnections()
                    }
                }
            }
        }
    }

    @Test func staleReusedConnectionIsRetriedOnceOnAFreshOne() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { proxy, port in
                try await withHTTPClient(port: port) { client in
                    let first = try await client.send()
                    #expect(first.status == 200)
                    // Goes out on the pooled connection, which the backend closes unanswered.
                    let second = try await client.send(.GET, "/fresh-only")
                    #expect(second.status == 200)
                    #expect(second.text == "v1")
                }
                #expect(servers[0].connections == 2)
                #expect(proxy.stats.snapshot()["v1"]?.errors == 0)
            }
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { _, port in
                try await withHTTPClient(port: port) { client in
                    let response = try await client.send(.GET, "/", headers: [("connection", "close")])
                    #expect(response.text == "v1")
                    #expect(response.headers.first(name: "connection") == "close")
                    #expect(await client.isClosedByServer())
                }
                // The upstream connection stays pooled: closing is the client's business.
                #expect(servers[0].connections == 1)
            }
        }
    }

    @Test func largeBodiesStreamBothWaysIntact() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { proxy, port in
                try await withHTTPClient(port: port) { client in
                    let upload = patternedBuffer(count: 4 << 20)
                    let echoed = try await client.send(.POST, "/echo", body: upload)
                    #expect(echoed.status == 200)
                    #expect(echoed.body.readableBytes == upload.readableBytes)
                    #expect(echoed.body == upload)
                    let download = try await client.send(.GET, "/big/\(5 << 20)")
                    #expect(download.body == patternedBuffer(count: 5 << 20))
                    #expect(try await client.send().text == "v1")  // the connection is still good
                }
                try await waitForRecorded(proxy, requests: 3, version: "v1")
                let metrics = try #require(proxy.stats.snapshot()["v1"])
                #expect(metrics.bytesFromClients == UInt64(4 << 20))
                #expect(metrics.bytesToClients == UInt64((4 << 20) + (5 << 20) + 2))
            }
        }
    }

    @Test func statsPercentilesReflectBackendDelays() async throws {
        try await withBackends(["v1"]) { servers in
            try await withProxy(RoutingTable(backends: [Backend(servers[0], weight: 10_000)])) { proxy, port in
                // The client's own round trips bound the proxy's latencies from above, request by
                // request, so the proxy's median cannot exceed the client's (no timed bound).
                var roundTrips: [Double] = []
                let clock = ContinuousClock()
                try await withHTTPClient(port: port) { client in
                    // 36 fast requests and 4 that the backend holds for 80 ms.
                    for index in 0..<40 {
                        let began = clock.now
                        let response = try await client.send(.GET, index % 10 == 9 ? "/delay/80" : "/")
                        let took = clock.now - began
                        roundTrips.append(
                            Double(took.components.seconds) * 1e6 + Double(took.components.attoseconds) / 1e12)
                        #expect(response.text == "v1")
                    }
                }
                try await waitForRecorded(proxy, requests: 40, version: "v1")
                let latency = try #require(proxy.stats.delta()["v1"]).latency
                #expect(latency.count == 40)
                let clientMedian = roundTrips.sorted()[19]
                // The histogram reports a bucket's middle: within about 3 % of the value.
                #expect(
                    latency.p50 <= clientMedian * 1.04 + 1, "p50 \(latency.p50) µs, client median \(clientMedian) µs")
                #expect(latency.p95 >= 78_000 && latency.p95 < 1_000_000, "p95 \(latency.p95) µs")
                #expect(latency.p99 >= 78_000 && latency.p99 < 1_000_000, "p99 \(latency.p99) µs")
                #expect(proxy.stats.delta().isEmpty)  // nothing new since the last report
            }
        }
    }
}
