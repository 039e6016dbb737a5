import DroverTestSupport
import DroverAgent
import DroverRuntime
import DroverSession
import Foundation
import Testing

/// The swap executor over ``DockerEngine`` against a real Podman service and the local test
/// images (scripts/podman-setup).
@Suite(.serialized) struct DockerSwapTests {
    static func order(_ image: String, version: String, port: Int) -> SwapOrder {
        SwapOrder(
            service: "web", version: version, engine: .docker, image: image, containerPort: 8080, publicPort: port,
            health: .http(path: "/health", status: 200), healthInterval: .milliseconds(200), healthTimeout: .seconds(2),
            healthyThreshold: 2, unhealthyThreshold: 3, startPeriod: .seconds(5), healthyDeadline: .seconds(60),
            drainTimeout: .seconds(5), stopGrace: .seconds(2))
    }

    @Test func podmanContainersSwapUnderLoadWithNoFailedRequest() async throws {
        try await withPodman { podman in
            let directory = temporaryPath("swap-docker-agent")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let host = "127.0.0.1"
            let port = try LoopbackPort.free()
            let executor = try SwapExecutor(
                configuration: SwapExecutorConfiguration(
                    stateDirectory: directory, proxyHost: host, instanceLabels: podman.runLabel),
                docker: podman.engine, logger: DroverLogger(label: "test.swap", minimumLevel: .warning))
            try await whileRunning(executor) {
                let first = try await swapAndWait(executor, "c-1", Self.order(TestImage.v1, version: "v1", port: port))
                #expect(first.outcome == .succeeded, "\(first.message)")
                #expect(await httpGet(host: host, port: port, "/version")?.body == "v1")

                let load = LoadGenerator(host: host, port: port, path: "/version")
                try await underLoad(load) {
                    try await eventually("load on v1") { load.count("v1") >= 30 }
                    let second = try await swapAndWait(
                        executor, "c-2", Self.order(TestImage.v2, version: "v2", port: port))
                    #expect(second.outcome == .succeeded, "\(second.message)")
                    load.mark()
                    try await eventually("load on v2") { load.count("v2") >= 30 }
                }
                #expect(load.failures.isEmpty, "\(load.failures.prefix(5))")
                // Each client moves from v1 to v2; once the swap has finished, only v2 answers.
                for (client, versions) in load.versions {
                    #expect(Set(versions).isSubset(of: ["v1", "v2"]), "\(client): \(Set(versions))")
                }
                for (client, versions) in load.versionsSinceMark {
                    #expect(!versions.isEmpty && versions.allSatisfy { $0 == "v2" }, "\(client) after the swap")
                }
                let kept = try await podman.engine.list(
                    labels: [DroverLabels.version: "v1"].merging(podman.runLabel) { $1 })
                #expect(kept.count == 1 && kept.allSatisfy { !$0.isRunning }, "v1 is stopped and kept")

                let steady = LoadGenerator(host: host, port: port, path: "/version")
                var third: SwapResult?
                try await underLoad(steady) {
                    third = try await swapAndWait(executor, "c-3", Self.order(TestImage.v3, version: "v3", port: port))
                    try await eventually("more load") { steady.succeeded >= 30 }
                }
                let refused = try #require(third)
                #expect(refused.outcome == .failed)
                #expect(
                    refused.details["observed"]?.hasPrefix("3 consecutive failures: GET /health: status 404") == true,
                    "\(refused.details)")
                #expect(refused.details["threshold"] == "3 failures")
                #expect(steady.failures.isEmpty, "\(steady.failures.prefix(5))")
                #expect(steady.count("v2") == steady.succeeded)
                let v3 = try await podman.engine.list(
                    labels: [DroverLabels.version: "v3"].merging(podman.runLabel) { $1 })
                #expect(v3.isEmpty, "the refused container is removed")
                #expect(await executor.state().first?.version == "v2")
            }
        }
    }
}
