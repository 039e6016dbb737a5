import DroverTestSupport
import DroverAgent
import DroverRuntime
import DroverSession
import Foundation
import Testing

/// A service of busybox httpd processes (busybox-static, installed by scripts/podman-setup)
/// swapped by a real ``SwapExecutor`` over the real ``ProcessEngine`` and ``ServiceProxy``.
struct ProcessSite {
    let root: String
    let engine: ProcessEngine

    /// busybox httpd serving `/` (the version) and, when healthy, `/health`, on `$PORT`.
    func order(_ version: String, port: Int, healthy: Bool = true, mode: SwapOrder.ProxyMode = .http) throws -> SwapOrder {
        let www = root + "/www-" + version
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try Data(version.utf8).write(to: URL(fileURLWithPath: www + "/index.html"))
        if healthy { try Data("ok".utf8).write(to: URL(fileURLWithPath: www + "/health")) }
        return SwapOrder(
            service: "web", version: version, engine: .process,
            command: ["/bin/sh", "-c", "exec /bin/busybox httpd -f -p 127.0.0.1:$PORT -h \(www)"],
            publicPort: port, health: .http(path: "/health", status: 200), healthInterval: .milliseconds(100),
            healthTimeout: .seconds(1), healthyThreshold: 2, unhealthyThreshold: 3, startPeriod: .seconds(2),
            healthyDeadline: .seconds(20), drainTimeout: .seconds(5), stopGrace: .seconds(2), proxyMode: mode)
    }

    func makeExecutor(proxyHost: String) throws -> SwapExecutor {
        try SwapExecutor(
            configuration: SwapExecutorConfiguration(stateDirectory: root + "/agent", proxyHost: proxyHost),
            process: engine, logger: DroverLogger(label: "test.swap", minimumLevel: .warning))
    }

    /// Runs `body` with a fresh site; on every path stops every instance and removes the directory.
    static func with(_ body: (ProcessSite) async throws -> Void) async throws {
        let root = temporaryPath("swap-process")
        let site = ProcessSite(root: root, engine: try ProcessEngine(stateDirectory: root + "/engine"))
        func cleanUp() async {
            for instance in (try? await site.engine.list(labels: [:])) ?? [] where instance.isRunning {
                try? await site.engine.stop(instance.id, grace: .zero)
            }
            try? FileManager.default.removeItem(atPath: root)
        }
        do {
            try await body(site)
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }
}

/// Runs `body` while `executor.run()` runs; shuts the executor down on every path.
func whileRunning(_ executor: SwapExecutor, _ body: () async throws -> Void) async throws {
    await executor.recover()
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await executor.run() }
        do {
            try await body()
        } catch {
            await executor.shutdown(grace: .zero)
            throw error
        }
        await executor.shutdown()
        try await group.waitForAll()
    }
}

/// Submits and waits for the result.
func swapAndWait(_ executor: SwapExecutor, _ commandID: String, _ order: SwapOrder) async throws -> SwapResult {
    #expect(await executor.submit(commandID: commandID, order: order) == .accepted)
    var result: SwapResult?
    try await eventually(timeout: .seconds(60), "result of \(commandID)") {
        result = await executor.result(commandID: commandID)
        return result != nil
    }
    return result!
}

/// Runs `load` while `body` runs, then stops it.
func underLoad(_ load: LoadGenerator, _ body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await load.run() }
        do {
            try await body()
        } catch {
            load.stop()
            throw error
        }
        load.stop()
        try await group.waitForAll()
    }
}

@Suite(.serialized) struct ProcessSwapTests {
    @Test func aSwapBehindATCPModeProxyFailsNoConnection() async throws {
        try await ProcessSite.with { site in
            let host = "127.0.0.3"
            let port = try LoopbackPort.free()
            let executor = try site.makeExecutor(proxyHost: host)
            try await whileRunning(executor) {
                let first = try await swapAndWait(executor, "t-1", try site.order("v1", port: port, mode: .tcp))
                #expect(first.outcome == .succeeded, "\(first.message)")
                // busybox httpd closes after each answer, so every request is its own TCP connection.
                let load = LoadGenerator(host: host, port: port, keepAliveClient: false)
                try await underLoad(load) {
                    try await eventually("load on v1") { load.count("v1") >= 30 }
                    let second = try await swapAndWait(executor, "t-2", try site.order("v2", port: port, mode: .tcp))
                    #expect(second.outcome == .succeeded, "\(second.message)")
                    load.mark()
                    try await eventually("load on v2") { load.count("v2") >= 30 }
                }
                #expect(load.failures.isEmpty, "\(load.failures.prefix(5))")
                for (client, versions) in load.versionsSinceMark {
                    #expect(versions.allSatisfy { $0 == "v2" }, "\(client) after the swap")
                }
                // Back to HTTP mode on the same port: the proxy is replaced and serves.
                let third = try await swapAndWait(executor, "t-3", try site.order("v3", port: port))
                #expect(third.outcome == .succeeded, "\(third.message)")
                #expect(await httpGet(host: host, port: port, "/")?.body == "v3")
            }
        }
    }

    @Test func aSwapUnderLoadFailsNoRequestAndAFailingVersionIsRefused() async throws {
        try await ProcessSite.with { site in
            // Its own loopback address, as when several agents share one machine.
            let host = "127.0.0.2"
            let port = try LoopbackPort.free()
            let executor = try site.makeExecutor(proxyHost: host)
            try await whileRunning(executor) {
                let first = try await swapAndWait(executor, "c-1", try site.order("v1", port: port))
                #expect(first.outcome == .succeeded, "\(first.message)")
                #expect(await httpGet(host: host, port: port, "/")?.body == "v1")

                let load = LoadGenerator(host: host, port: port)
                try await underLoad(load) {
                    try await eventually("load on v1") { load.count("v1") >= 50 }
                    let second = try await swapAndWait(executor, "c-2", try site.order("v2", port: port))
                    #expect(second.outcome == .succeeded, "\(second.message)")
                    load.mark()
                    try await eventually("load on v2") { load.count("v2") >= 50 }
                }
                #expect(load.failures.isEmpty, "\(load.failures.prefix(5))")
                // Each client moves from v1 to v2; once the swap has finished, only v2 answers.
                for (client, versions) in load.versions {
                    #expect(Set(versions).isSubset(of: ["v1", "v2"]), "\(client): \(Set(versions))")
                }
                for (client, versions) in load.versionsSinceMark {
                    #expect(!versions.isEmpty && versions.allSatisfy { $0 == "v2" }, "\(client) after the swap")
                }

                let state = try #require(await executor.state().first)
                #expect(state.version == "v2" && state.previousVersion == "v1" && state.proxyPort == port)
                let v1 = try await site.engine.list(labels: [DroverLabels.version: "v1"])
                #expect(v1.count == 1 && v1.allSatisfy { !$0.isRunning }, "v1 is stopped and kept")

                // v3 has no /health: refused, and v2 keeps serving every request.
                let steady = LoadGenerator(host: host, port: port)
                var third: SwapResult?
                try await underLoad(steady) {
                    third = try await swapAndWait(executor, "c-3", try site.order("v3", port: port, healthy: false))
                    try await eventually("more load") { steady.succeeded >= 50 }
                }
                let refused = try #require(third)
                #expect(refused.outcome == .failed)
                #expect(
                    refused.details["observed"]?.hasPrefix("3 consecutive failures: GET /health: status 404") == true)
                #expect(refused.details["threshold"] == "3 failures")
                #expect(steady.failures.isEmpty, "\(steady.failures.prefix(5))")
                #expect(steady.count("v3") == 0 && steady.count("v2") == steady.succeeded)
                #expect(try await site.engine.list(labels: [DroverLabels.version: "v3"]).isEmpty)
                #expect(await executor.state().first?.version == "v2")
            }
        }
    }

    @Test func aRestartedAgentRecoversAndServesAgain() async throws {
        try await ProcessSite.with { site in
            let host = "127.0.0.1"
            let port = try LoopbackPort.free()
            let first = try site.makeExecutor(proxyHost: host)
            try await whileRunning(first) {
                let deployed = try await swapAndWait(first, "c-1", try site.order("v1", port: port))
                #expect(deployed.outcome == .succeeded)
                #expect(await httpGet(host: host, port: port, "/")?.body == "v1")
            }
            // The agent is gone (its proxy with it); the instance it started keeps running.
            #expect(await httpGet(host: host, port: port, "/") == nil)
            let instances = try await site.engine.list(labels: [DroverLabels.service: "web"])
            #expect(instances.count == 1 && instances[0].isRunning)
            // Then the instance dies too, as on a host reboot.
            try await site.engine.stop(instances[0].id, grace: .zero)

            let second = try site.makeExecutor(proxyHost: host)
            try await whileRunning(second) {
                try await eventually("the recovered service to answer") {
                    await httpGet(host: host, port: port, "/")?.body == "v1"
                }
                let again = await second.submit(commandID: "c-1", order: try site.order("v1", port: port))
                #expect(again != .accepted)
                let state = try #require(await second.state().first)
                #expect(state.version == "v1" && state.instances.map(\.id) == [instances[0].id.rawValue])
                // And it swaps on from there.
                let swapped = try await swapAndWait(second, "c-2", try site.order("v2", port: port))
                #expect(swapped.outcome == .succeeded)
                #expect(await httpGet(host: host, port: port, "/")?.body == "v2")
            }
        }
    }

    @Test func aRevertToTheKnownGoodVersionUnderLoadReusesTheKeptProcess() async throws {
        try await ProcessSite.with { site in
            let host = "127.0.0.1"
            let port = try LoopbackPort.free()
            let executor = try site.makeExecutor(proxyHost: host)
            try await whileRunning(executor) {
                let first = try await swapAndWait(executor, "c-1", try site.order("v1", port: port))
                #expect(first.outcome == .succeeded)
                #expect(await executor.confirm(service: "web", version: "v1"))
                let second = try await swapAndWait(executor, "c-2", try site.order("v2", port: port))
                #expect(second.outcome == .succeeded)
                let kept = try await site.engine.list(labels: [DroverLabels.version: "v1"])
                #expect(kept.count == 1 && !kept[0].isRunning)

                let load = LoadGenerator(host: host, port: port)
                var reverted: SwapResult?
                try await underLoad(load) {
                    try await eventually("load on v2") { load.count("v2") >= 30 }
                    reverted = await executor.revertToKnownGood(service: "web")
                    load.mark()
                    try await eventually("load on v1") { load.count("v1") >= 30 }
                }
                let result = try #require(reverted)
                #expect(result.outcome == .succeeded, "\(result.message)")
                #expect(result.details["instances"] == kept[0].id.rawValue, "the kept process runs again")
                #expect(load.failures.isEmpty, "\(load.failures.prefix(5))")
                // Each client moves from v2 to v1; once the swap has finished, only v1 answers.
                for (client, versions) in load.versions {
                    #expect(Set(versions).isSubset(of: ["v2", "v1"]), "\(client): \(Set(versions))")
                }
                for (client, versions) in load.versionsSinceMark {
                    #expect(!versions.isEmpty && versions.allSatisfy { $0 == "v1" }, "\(client) after the swap")
                }
                let state = try #require(await executor.state().first)
                #expect(state.version == "v1" && state.previousVersion == "v2")
            }
        }
    }
}
