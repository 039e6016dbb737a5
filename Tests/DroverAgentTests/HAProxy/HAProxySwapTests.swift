import DroverAgent
import DroverProxy
import DroverRuntime
import DroverSession
import DroverTestSupport
import Foundation
import Testing

/// A real ``SwapExecutor`` over the process engine (busybox httpd) with HAProxy as the router:
/// deploy, a canary at 10 %, then the promotion, under load and without a failed request.
@Suite(.serialized) struct HAProxySwapTests {
    @Test func aCanaryAtTenPercentThenItsPromotionFailNoRequest() async throws {
        try await HAProxyFixture.with { haproxy in
            try await ProcessSite.with { site in
                let executor = try SwapExecutor(
                    configuration: SwapExecutorConfiguration(
                        stateDirectory: site.root + "/agent", proxyHost: "127.0.0.1"),
                    process: site.engine,
                    makeRouter: RouterChoice.haproxy(socketPath: haproxy.socketPath, backendPrefix: "").factory,
                    logger: DroverLogger(label: "test.haproxy", minimumLevel: .warning))
                let port = haproxy.port
                try await whileRunning(executor) {
                    let v1 = try site.order("v1", port: port)
                    let v2 = try site.order("v2", port: port)
                    let first = try await swapAndWait(executor, "c-1", v1)
                    #expect(first.succeeded, "\(first.message)")
                    #expect(await executor.state().first?.proxyPort == port)
                    #expect(await httpGet(host: "127.0.0.1", port: port, "/")?.body.trimmingSuffixNewlines == "v1")

                    let load = LoadGenerator(host: "127.0.0.1", port: port)
                    try await underLoad(load) {
                        try await eventually("load on v1") { load.count("v1") >= 30 }
                        let canary = try await swapAndWait(
                            executor, "c-2", ProcessCanaryTests.canary(v2, weight: 1_000))
                        #expect(canary.succeeded, "\(canary.message)")
                        let answers = try await ProcessCanaryTests.sample(host: "127.0.0.1", port: port, count: 2_000)
                        let share = Double(answers["v2", default: 0]) / 20
                        print("HAProxy canary share at 1,000 bp: v2 \(share) % of 2,000 requests (\(answers))")
                        #expect(abs(share - 10) <= 2, "v2 got \(share) % at 1,000 bp")

                        let statistics = await executor.trafficStatistics()["web"] ?? [:]
                        #expect((statistics["v2"]?.requests ?? 0) >= UInt64(answers["v2", default: 0]))
                        #expect(statistics["v2"]?.errors == 0 && statistics["v1"]?.errors == 0)

                        let promoted = try await swapAndWait(executor, "c-3", v2)
                        #expect(promoted.succeeded, "\(promoted.message)")
                        load.mark()
                        try await eventually("load on v2 after the promotion") {
                            load.versionsSinceMark.values.allSatisfy { $0.count >= 30 }
                        }
                    }
                    #expect(load.failures.isEmpty, "\(load.failures.prefix(5))")
                    for (client, versions) in load.versionsSinceMark {
                        #expect(versions.allSatisfy { $0 == "v2" }, "\(client) after the promotion")
                    }
                    let state = try #require(await executor.state().first)
                    #expect(state.version == "v2" && state.previousVersion == "v1" && state.canaryVersion == nil)
                    // Only v2's server is left in HAProxy's backend.
                    let servers = try await HAProxyRouterTests.serverWeights(haproxy).keys.compactMap(
                        HAProxyServerName.init)
                    #expect(servers.map(\.version) == ["v2"], "\(servers)")
                }
                // The executor's shutdown closed the router: Drover's servers are gone.
                #expect(try await HAProxyRouterTests.serverWeights(haproxy).isEmpty)
            }
        }
    }
}
