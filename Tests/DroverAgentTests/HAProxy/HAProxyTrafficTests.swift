import DroverAgent
import DroverProxy
import DroverTestSupport
import Foundation
import Testing

/// ``HAProxyRouter`` moving live traffic through a real HAProxy: a drain with a request in
/// flight, a swap under continuous load, and the per-version statistics.
@Suite(.serialized) struct HAProxyTrafficTests {
    static func backend(_ server: VersionBackend, weight: Int, state: Backend.State = .active) -> Backend {
        HAProxyRouterTests.backend(server, weight: weight, state: state)
    }

    /// HAProxy, backends v1 and v2, and a started router sending everything to v1.
    func withStartedRouter(
        _ body: (HAProxyFixture, HAProxyRouter, VersionBackend, VersionBackend) async throws -> Void
    ) async throws {
        try await HAProxyFixture.with { haproxy in
            try await withVersionBackends(["v1", "v2"]) { servers in
                let router = haproxy.router()
                try await router.update(RoutingTable(backends: [Self.backend(servers[0], weight: 10_000)]))
                _ = try await router.start()
                try await body(haproxy, router, servers[0], servers[1])
            }
        }
    }

    @Test func drainLetsTheRequestInFlightFinishAndTakesNoNewOnes() async throws {
        try await withStartedRouter { haproxy, router, v1, v2 in
            try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    try await withHTTPClient(host: "127.0.0.1", port: haproxy.port) {
                        try await $0.get("/held").body
                    }
                }
                try await eventually("the held request to reach v1") { v1.heldArrived == 1 }
                try await router.update(
                    RoutingTable(backends: [
                        Self.backend(v2, weight: 10_000), Self.backend(v1, weight: 0, state: .draining),
                    ]))
                group.addTask {
                    let result = await router.drain(backendID: "v1-\(v1.port)", timeout: .seconds(20))
                    return "drained \(result.inFlightAtStart) \(result.forceClosed)"
                }
                // New requests all go to v2 while v1 still has the held one.
                let answers = try await HAProxyRouterTests.sample(port: haproxy.port, count: 50)
                #expect(answers == ["v2": 50], "\(answers)")
                #expect(v1.requests == 1)
                v1.releaseHeld()
                var finished: [String] = []
                for try await outcome in group { finished.append(outcome) }
                #expect(Set(finished) == ["v1", "drained 1 0"], "\(finished)")
            }
            await router.close(timeout: .seconds(5))
        }
    }

    @Test func aSwapUnderContinuousLoadFailsNoRequest() async throws {
        try await withStartedRouter { haproxy, router, v1, v2 in
            let load = LoadGenerator(host: "127.0.0.1", port: haproxy.port)
            try await underLoad(load) {
                try await eventually("load on v1") { load.count("v1") >= 50 }
                // Add v2 at 0, shift 100 %, drain v1, delete it.
                try await router.update(
                    RoutingTable(backends: [Self.backend(v1, weight: 10_000), Self.backend(v2, weight: 0)]))
                try await router.update(
                    RoutingTable(backends: [
                        Self.backend(v2, weight: 10_000), Self.backend(v1, weight: 0, state: .draining),
                    ]))
                let drained = await router.drain(backendID: "v1-\(v1.port)", timeout: .seconds(10))
                #expect(drained.forceClosed == 0)
                try await router.update(RoutingTable(backends: [Self.backend(v2, weight: 10_000)]))
                load.mark()
                try await eventually("load on v2") { load.versionsSinceMark.values.allSatisfy { $0.count >= 50 } }
            }
            #expect(load.failures.isEmpty, "\(load.failures.prefix(5))")
            #expect(load.count("v1") >= 50 && load.count("v2") >= 50)
            for (client, versions) in load.versionsSinceMark {
                #expect(versions.allSatisfy { $0 == "v2" }, "\(client) after the swap")
            }
            let left = try await HAProxyRouterTests.serverWeights(haproxy)
            #expect(
                left.keys.sorted() == [HAProxyServerName(version: "v2", backendID: "v2-\(v2.port)").description])
            await router.close(timeout: .seconds(5))
        }
    }

    @Test func statisticsCountRequestsAndErrorsPerVersionAcrossDeletions() async throws {
        try await withStartedRouter { haproxy, router, v1, v2 in
            _ = try await HAProxyRouterTests.sample(port: haproxy.port, count: 30)
            let failing = try await HAProxyRouterTests.sample(port: haproxy.port, count: 5, path: "/status/503")
            #expect(failing == ["v1": 5])
            let before = await router.statistics()
            #expect(
                before["v1"]?.requests == 35 && before["v1"]?.errors == 5, "\(String(describing: before["v1"]))")
            #expect(before["v1"]?.latency.count == 35)

            // v1 deleted: its counters stay in the totals.
            try await router.update(RoutingTable(backends: [Self.backend(v2, weight: 10_000)]))
            _ = try await HAProxyRouterTests.sample(port: haproxy.port, count: 20)
            _ = try await HAProxyRouterTests.sample(port: haproxy.port, count: 2, path: "/status/500")
            let after = await router.statistics()
            #expect(after["v1"]?.requests == 35 && after["v1"]?.errors == 5, "\(String(describing: after["v1"]))")
            #expect(after["v2"]?.requests == 22 && after["v2"]?.errors == 2, "\(String(describing: after["v2"]))")
            #expect(after["v1"]?.latency.count == 35 && after["v2"]?.latency.count == 22)
            #expect((after["v2"]?.bytesToClients ?? 0) > 0)
            #expect(v1.requests == 35 && v2.requests == 22)
            await router.close(timeout: .seconds(5))
            // Closed: the deleted servers' counters are kept.
            #expect(await router.statistics()["v2"]?.requests == 22)
        }
    }
}
