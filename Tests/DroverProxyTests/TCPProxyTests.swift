import DroverProxy
import NIOCore
import Testing

/// TCP mode over real sockets: connection-level weights, half-close, drain.
@Suite struct TCPProxyTests {
    @Test func connectionsFollowTheWeights() async throws {
        try await withTCPBackends(["stable", "canary"]) { servers in
            let table = RoutingTable(backends: [
                Backend(servers[0], id: "s", weight: 7_500),
                Backend(servers[1], id: "c", weight: 2_500),
            ])
            try await withProxy(table, mode: .tcp) { proxy, port in
                var canary = 0
                for _ in 0..<300 {
                    let greeting = try await withTCPClient(port: port) { try await $0.readLine() }
                    if greeting == "canary" { canary += 1 }
                }
                // 300 connections: ±10 points is over 4 standard deviations at 25 %.
                #expect(abs(Double(canary) / 3 - 25) <= 10, "canary \(canary) of 300")
                try await waitUntil("all connections recorded") {
                    proxy.stats.snapshot().values.reduce(0) { $0 + $1.requests } == 300
                }
                #expect(proxy.stats.snapshot()["canary"]?.requests == UInt64(canary))
            }
        }
    }

    @Test func halfCloseReachesTheBackendAndItsAnswerComesBack() async throws {
        try await withTCPBackends(["v1"]) { servers in
            let table = RoutingTable(backends: [Backend(servers[0], id: "a", weight: 10_000)])
            try await withProxy(table, mode: .tcp) { proxy, port in
                try await withTCPClient(port: port) { client in
                    #expect(try await client.readLine() == "v1")
                    try await client.write("hello ")
                    try await client.write("world\n")
                    #expect(try await client.readLine() == "hello world")
                    client.finishWriting()
                    // The backend only says "bye" after it saw our end of output.
                    #expect(try await client.readToEnd() == "bye\n")
                }
                try await waitUntil("backend connection closed") { servers[0].openConnections == 0 }
                let metrics = try #require(proxy.stats.snapshot()["v1"])
                #expect(metrics.bytesFromClients == 12)
                #expect(metrics.bytesToClients == 3 + 12 + 4)
            }
        }
    }

    @Test func drainWaitsForConnectionsThenClosesThem() async throws {
        try await withTCPBackends(["v1", "v2"]) { servers in
            let table = RoutingTable(backends: [
                Backend(servers[0], id: "a", weight: 10_000),
                Backend(servers[1], id: "b", weight: 10_000),
            ])
            try await withProxy(table, mode: .tcp) { proxy, port in
                try await proxy.update(table.draining("b"))
                try await withTCPClient(port: port) { held in
                    #expect(try await held.readLine() == "v1")
                    var next = table
                    next.backends[0].state = .draining
                    next.backends[1].state = .active
                    try await proxy.update(next)
                    // New connections go to v2 while the held one stays on v1.
                    try await withTCPClient(port: port) { let got65 = try await $0.readLine(); #expect(got65 == "v2") }
                    try await held.write("still here\n")
                    #expect(try await held.readLine() == "still here")
                    let drained = await proxy.drain(backendID: "a", timeout: .milliseconds(150))
                    #expect(drained.inFlightAtStart == 1)
                    #expect(drained.forceClosed == 1)
                    #expect(try await held.readToEnd() == "")
                }
                let clean = await proxy.drain(backendID: "b", timeout: .seconds(1))
                #expect(clean.drainedCleanly)
            }
        }
    }

    @Test func unreachableBackendCountsAsConnectFailure() async throws {
        let dead = try await TestServer.tcp(version: "dead")
        await dead.stop()
        let table = RoutingTable(backends: [Backend(dead, id: "d", weight: 10_000)])
        try await withProxy(table, mode: .tcp) { proxy, port in
            try await withTCPClient(port: port) { client in
                let got85 = try await client.readToEnd(); #expect(got85 == "")
            }
            try await waitUntil("failure recorded") { proxy.stats.snapshot()["dead"]?.connectFailures == 1 }
            #expect(proxy.stats.snapshot()["dead"]?.errors == 1)
        }
    }
}
