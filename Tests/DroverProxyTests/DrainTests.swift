import DroverProxy
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// Zero-downtime swaps and drain timeouts over real sockets.
@Suite struct DrainTests {
    @Test func swapUnderLoadFailsNoRequest() async throws {
        let v1 = try await TestServer.http(version: "v1")
        let v2 = try await TestServer.http(version: "v2")
        defer { _ = v1; _ = v2 }
        do {
            try await withProxy(RoutingTable(backends: [Backend(v1, weight: 10_000)])) { proxy, port in
                let stop = StopFlag()
                let outcome = try await withThrowingTaskGroup(of: (ok: Int, failed: Int, last: String).self) { group in
                    for clientIndex in 0..<4 {
                        group.addTask {
                            try await withHTTPClient(port: port) { client in
                                var ok = 0
                                var failed = 0
                                var last = ""
                                var count = 0
                                while !stop.isSet || count < 20 {
                                    // Some slow requests, so the drain has requests in flight to wait for.
                                    let uri = (count + clientIndex) % 5 == 0 ? "/delay/15" : "/"
                                    let response = try await client.send(.GET, uri)
                                    if response.status == 200 { ok += 1 } else { failed += 1 }
                                    last = response.text
                                    count = stop.isSet ? count + 1 : 0
                                }
                                return (ok, failed, last)
                            }
                        }
                    }
                    try await waitUntil("traffic on v1") { v1.requests >= 100 }
                    try await proxy.update(
                        RoutingTable(backends: [
                            Backend(v1, weight: 0, state: .draining), Backend(v2, weight: 10_000),
                        ]))
                    let drained = await proxy.drain(backendID: "v1", timeout: .seconds(5))
                    #expect(drained.drainedCleanly)
                    await v1.stop()
                    try await waitUntil("traffic on v2") { v2.requests >= 100 }
                    stop.set()
                    var total = (ok: 0, failed: 0, last: [String]())
                    for try await result in group {
                        total.ok += result.ok
                        total.failed += result.failed
                        total.last.append(result.last)
                    }
                    return total
                }
                #expect(outcome.failed == 0)
                #expect(outcome.ok >= 200)
                #expect(outcome.last == ["v2", "v2", "v2", "v2"])
                let snapshot = proxy.stats.snapshot()
                #expect(snapshot["v1"]?.errors == 0)
                #expect(snapshot["v2"]?.errors == 0)
                #expect(await proxy.idleUpstreamConnections(backendID: "v1") == 0)
            }
        } catch {
            await v1.stop()
            await v2.stop()
            throw error
        }
        await v1.stop()
        await v2.stop()
    }

    @Test func drainTimeoutClosesAStuckRequest() async throws {
        try await withBackends(["v1", "v2"]) { servers in
            let table = RoutingTable(backends: [Backend(servers[0], weight: 10_000), Backend(servers[1], weight: 0)])
            try await withProxy(table) { proxy, port in
                try await withHTTPClient(port: port) { client in
                    try await client.sendRequest(.GET, "/stuck")
                    try await waitUntil("the stuck request in flight") { await proxy.inFlight(backendID: "v1") == 1 }
                    var next = proxy.table
                    next.backends[1].weight = 10_000
                    try await proxy.update(next)
                    let drained = await proxy.drain(backendID: "v1", timeout: .milliseconds(200))
                    #expect(drained.inFlightAtStart == 1)
                    #expect(drained.forceClosed == 1)
                    #expect(!drained.drainedCleanly)
                    #expect(drained.duration >= .milliseconds(200))
                    await #expect(throws: (any Error).self) { _ = try await client.readResponse() }
                }
                #expect(await proxy.inFlight() == 0)
                #expect(proxy.table.backend(id: "v1")?.state == .draining)
                try await withHTTPClient(port: port) { client in
                    let got90 = try await client.send().text; #expect(got90 == "v2")
                }
            }
        }
    }

    @Test func idleKeepAliveClientSurvivesTheDrainOfItsBackend() async throws {
        try await withBackends(["v1", "v2"]) { servers in
            let table = RoutingTable(backends: [Backend(servers[0], weight: 10_000), Backend(servers[1], weight: 0)])
            try await withProxy(table) { proxy, port in
                try await withHTTPClient(port: port) { client in
                    #expect(try await client.send().text == "v1")
                    try await proxy.update(
                        RoutingTable(backends: [
                            Backend(servers[0], weight: 10_000, state: .draining), Backend(servers[1], weight: 10_000),
                        ]))
                    let drained = await proxy.drain(backendID: "v1", timeout: .seconds(1))
                    #expect(drained.inFlightAtStart == 0)
                    #expect(drained.drainedCleanly)
                    await servers[0].stop()
                    #expect(try await client.send().text == "v2")  // same client connection
                }
            }
        }
    }
}

/// A flag the test sets once to tell its load generators to wind down.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

/// Graceful close of the whole proxy.
@Suite struct ProxyCloseTests {
    @Test func closeFinishesTheRequestInFlightClosesIdleClientsAndStopsListening() async throws {
        try await withBackends(["v1"]) { servers in
            let proxy = try ServiceProxy(
                configuration: ServiceProxyConfiguration(host: "127.0.0.1", port: 0),
                table: RoutingTable(backends: [Backend(servers[0], weight: 10_000)]))
            let port = try await proxy.start()
            do {
                try await withHTTPClient(port: port) { idle in
                    let first = try await idle.send()
                    #expect(first.text == "v1")
                    try await withHTTPClient(port: port) { busy in
                        // The backend answers only once the close has begun, however loaded the machine.
                        try await busy.sendRequest(.GET, "/held")
                        try await waitUntil("request in flight") { await proxy.inFlight() == 1 }
                        async let closed: Void = proxy.close(timeout: .seconds(30))
                        try await waitUntil("idle client closed") { await proxy.openConnections() == 1 }
                        servers[0].releaseHeld()
                        await closed
                        let response = try await busy.readResponse()
                        #expect(response.text == "v1")
                        #expect(response.headers.first(name: "connection") == "close")
                        #expect(await busy.isClosedByServer())
                    }
                    #expect(await idle.isClosedByServer())
                }
                await #expect(throws: (any Error).self) {
                    try await withHTTPClient(port: port) { _ = try await $0.send() }
                }
            } catch {
                await proxy.close(timeout: .zero)
                throw error
            }
        }
    }
}
