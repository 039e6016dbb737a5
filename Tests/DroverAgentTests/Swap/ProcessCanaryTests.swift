import DroverAgent
import DroverRuntime
import DroverSession
import DroverTestSupport
import DroverWire
import Foundation
import Testing

/// A canary of busybox httpd processes behind the real ``ServiceProxy``: measured traffic
/// shares, weight changes, an abort and a promotion under load, and the host report's counters.
@Suite(.serialized) struct ProcessCanaryTests {
    /// Sends `count` requests on one keep-alive connection; answers per version.
    static func sample(host: String, port: Int, count: Int) async throws -> [String: Int] {
        try await withHTTPClient(host: host, port: port) { client in
            var answers: [String: Int] = [:]
            for _ in 0..<count {
                let response = try await client.get("/")
                #expect(response.status == 200)
                answers[response.body.trimmingSuffixNewlines, default: 0] += 1
            }
            return answers
        }
    }

    static func canary(_ order: SwapOrder, weight: Int) -> SwapOrder {
        var order = order
        order.canary = true
        order.canaryWeight = weight
        return order
    }

    @Test func aCanaryGetsItsShareAndAbortAndPromotionUnderLoadFailNoRequest() async throws {
        try await ProcessSite.with { site in
            let host = "127.0.0.4"
            let port = try LoopbackPort.free()
            let executor = try site.makeExecutor(proxyHost: host)
            let handler = AgentCommandHandler(executor: executor, revertAfter: nil)
            try await whileRunning(executor) {
                let v1 = try site.order("v1", port: port)
                let v2 = try site.order("v2", port: port)
                #expect(try await swapAndWait(executor, "c-1", v1).succeeded)

                // Canary at 2,000 bp: about 20 % of 2,000 requests.
                let started = try await swapAndWait(executor, "c-2", Self.canary(v2, weight: 2_000))
                #expect(started.succeeded, "\(started.message)")
                let first = try await Self.sample(host: host, port: port, count: 2_000)
                #expect(first.values.reduce(0, +) == 2_000 && Set(first.keys).isSubset(of: ["v1", "v2"]))
                let share20 = Double(first["v2", default: 0]) / 20
                #expect(abs(share20 - 20) <= 3, "v2 got \(share20) % at 2,000 bp")

                // The host report counts what the proxy saw per version. The proxy counts a
                // request just after flushing its response, so the client can be a step ahead.
                try await eventually("the proxy to count the last requests") {
                    let traffic = await handler.serviceStatuses().first?.traffic ?? []
                    return traffic.first { $0.version == "v2" }?.requests ?? 0 >= UInt64(first["v2", default: 0])
                        && traffic.first { $0.version == "v1" }?.requests ?? 0 >= UInt64(first["v1", default: 0])
                }
                let status = try #require(await handler.serviceStatuses().first)
                #expect(status.version == "v1" && status.canaryVersion == "v2" && status.canaryWeightBp == 2_000)
                let traffic = try #require(status.traffic.first { $0.version == "v2" })
                #expect(traffic.requests == UInt64(first["v2", default: 0]))
                #expect(traffic.errors == 0 && traffic.latencyCount == traffic.requests)
                #expect(traffic.latencyBucketCount.reduce(0, +) == traffic.latencyCount)
                #expect(traffic.latencyBucketIndex == traffic.latencyBucketIndex.sorted())
                #expect(status.traffic.first { $0.version == "v1" }?.requests ?? 0 >= UInt64(first["v1", default: 0]))

                // SET_WEIGHTS 5,000: about half.
                let weights = await executor.setWeights(
                    commandID: "w-1", order: WeightsOrder(service: "web", canaryVersion: "v2", canaryWeight: 5_000))
                #expect(weights == .accepted)
                #expect(await executor.result(commandID: "w-1")?.succeeded == true)
                let second = try await Self.sample(host: host, port: port, count: 2_000)
                let share50 = Double(second["v2", default: 0]) / 20
                #expect(abs(share50 - 50) <= 4, "v2 got \(share50) % at 5,000 bp")

                // Abort under load: the canary goes, v1 answers everything, nothing fails.
                let aborting = LoadGenerator(host: host, port: port)
                var abort = v1
                abort.revert = true
                try await underLoad(aborting) {
                    try await eventually("load on both") { aborting.count("v1") >= 20 && aborting.count("v2") >= 20 }
                    let aborted = try await swapAndWait(executor, "c-3", abort)
                    #expect(aborted.succeeded && aborted.details["canaryRemoved"] == "v2", "\(aborted.message)")
                    aborting.mark()
                    try await eventually("load on v1 after the abort") {
                        aborting.versionsSinceMark.values.allSatisfy { $0.count >= 20 }
                    }
                }
                #expect(aborting.failures.isEmpty, "\(aborting.failures.prefix(5))")
                for (client, versions) in aborting.versionsSinceMark {
                    #expect(versions.allSatisfy { $0 == "v1" }, "\(client) after the abort")
                }
                #expect(try await site.engine.list(labels: [DroverLabels.version: "v2"]).isEmpty)

                // A canary again, then the promotion under load: v2 takes everything, nothing fails.
                #expect(try await swapAndWait(executor, "c-4", Self.canary(v2, weight: 5_000)).succeeded)
                let canaryIDs = await executor.state().first?.canaryInstances.map(\.id) ?? []
                let promoting = LoadGenerator(host: host, port: port)
                try await underLoad(promoting) {
                    try await eventually("load on both") { promoting.count("v1") >= 20 && promoting.count("v2") >= 20 }
                    let promoted = try await swapAndWait(executor, "c-5", v2)
                    #expect(promoted.succeeded, "\(promoted.message)")
                    promoting.mark()
                    try await eventually("load on v2 after the promotion") {
                        promoting.versionsSinceMark.values.allSatisfy { $0.count >= 20 }
                    }
                }
                #expect(promoting.failures.isEmpty, "\(promoting.failures.prefix(5))")
                for (client, versions) in promoting.versionsSinceMark {
                    #expect(versions.allSatisfy { $0 == "v2" }, "\(client) after the promotion")
                }
                let state = try #require(await executor.state().first)
                #expect(state.version == "v2" && state.previousVersion == "v1" && state.canaryVersion == nil)
                #expect(state.instances.map(\.id) == canaryIDs, "the canary's process was promoted, none started")
                let kept = try await site.engine.list(labels: [DroverLabels.version: "v1"])
                #expect(kept.count == 1 && !kept[0].isRunning, "v1 stopped and kept")
            }
        }
    }
}
