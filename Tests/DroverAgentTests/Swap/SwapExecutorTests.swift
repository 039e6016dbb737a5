import DroverAgent
import DroverProxy
import DroverRuntime
import DroverSession
import Synchronization
import Testing

/// The swap executor's logic over a fake engine, fake proxies and a virtual clock.
@Suite struct SwapExecutorTests {
    typealias H = SwapHarness

    @Test func firstDeployStartsTheInstancesAndTheProxy() async throws {
        try await H.with { h in
            let result = try await h.swap("c-1", H.order("v1", instances: 2))
            #expect(result.outcome == .succeeded, "\(result.message)")
            #expect(result.details["version"] == "v1" && result.details["port"] == "8080")
            let running = h.engine.running(version: "v1")
            #expect(running.count == 2)
            #expect(result.details["instances"]?.split(separator: ",").map(String.init).sorted() == running)
            let router = try #require(h.routers.router(port: 8080))
            #expect(router.isStarted)
            let table = try #require(router.table)
            #expect(table.backends.map(\.weight).reduce(0, +) == RoutingTable.fullWeight)
            #expect(Set(table.backends.map(\.id)) == Set(running) && table.backends.allSatisfy { $0.version == "v1" })
            let state = await h.executor.state()
            #expect(
                state.count == 1 && state[0].version == "v1" && state[0].proxyPort == 8080
                    && state[0].instances.count == 2)
            #expect(state[0].previousVersion == nil)
            // Every instance carries the executor's labels (how recovery tells agents apart).
            #expect(h.engine.instances.values.allSatisfy { $0.spec.labels["drover.agent"] == "agent-a" })
            #expect(PrivateFile.mode(h.directory + "/journal.json") == 0o600)
            let journal = try h.journalOnDisk()
            #expect(journal.services["web"]?.current?.version == "v1" && journal.services["web"]?.swap == nil)
            #expect(journal.commands["c-1"]?.status == .succeeded)
        }
    }

    @Test func theProxyModeComesFromTheOrderAndAModeChangeReplacesTheProxy() async throws {
        try await H.with { h in
            var tcp = H.order("v1")
            tcp.proxyMode = .tcp
            _ = try await h.swap("c-1", tcp)
            let first = try #require(h.routers.router(port: 8080))
            #expect(first.mode == .tcp && first.isStarted)
            _ = try await h.swap("c-2", H.order("v2"))
            let second = try #require(h.routers.router(port: 8080))
            #expect(second !== first && second.mode == .http && second.isStarted)
            #expect(first.isClosed, "the old listener goes before the new one binds the same port")
            // The mode survives the journal (an agent restart keeps the service's proxy mode).
            #expect(try h.journalOnDisk().services["web"]?.previous?.order.proxyMode == .tcp)
        }
    }

    @Test func removingAServiceClosesItsProxyRemovesEveryInstanceAndForgetsIt() async throws {
        try await H.with { h in
            _ = try await h.swap("c-1", H.order("v1"))
            _ = try await h.swap("c-2", H.order("v2"))
            #expect(h.engine.instances.count == 2)  // v2 running, v1 kept stopped
            #expect(try await h.executor.removeService("web") == "v2")
            #expect(h.engine.instances.isEmpty)
            #expect(h.routers.router(port: 8080)?.isClosed == true)
            #expect(await h.executor.state().isEmpty)
            #expect(try h.journalOnDisk().services["web"] == nil)
            // Idempotent: a service that is not here is already stopped.
            #expect(try await h.executor.removeService("web") == nil)
        }
    }

    @Test func aResubmittedCommandIsANoOpAnsweringTheFirstResult() async throws {
        try await H.with { h in
            let first = try await h.swap("c-1", H.order("v1"))
            let operations = h.engine.operations.count
            #expect(await h.executor.submit(commandID: "c-1", order: H.order("v1")) == .duplicate(result: first))
            // Even with another order under the same id: the id decides.
            #expect(await h.executor.submit(commandID: "c-1", order: H.order("v9")) == .duplicate(result: first))
            #expect(h.engine.operations.count == operations)
            // While it runs, a duplicate has no result yet.
            h.engine.setHanging("v2")
            #expect(await h.executor.submit(commandID: "c-2", order: H.order("v2")) == .accepted)
            #expect(await h.executor.submit(commandID: "c-2", order: H.order("v2")) == .duplicate(result: nil))
        }
    }

    @Test func ordersThatCannotRunAreRejectedAndNotJournalled() async throws {
        try await H.with(recover: false) { h in
            guard case .rejected(let early) = await h.executor.submit(commandID: "c-0", order: H.order("v1")) else {
                Issue.record("accepted before recovery")
                return
            }
            #expect(early.contains("not been recovered"))
            await h.executor.recover()

            var invalid = H.order("v1")
            invalid.instances = 0
            guard case .rejected(let reason) = await h.executor.submit(commandID: "c-1", order: invalid) else {
                Issue.record("invalid order accepted")
                return
            }
            #expect(reason.contains("instances 0 is outside"))

            invalid = H.order("v1")
            invalid.health = .http(path: "health", status: 200)
            guard case .rejected(let path) = await h.executor.submit(commandID: "c-1b", order: invalid) else {
                Issue.record("invalid path accepted")
                return
            }
            #expect(path.contains("must start with '/'"))

            h.engine.setHanging("v2")
            #expect(await h.executor.submit(commandID: "c-2", order: H.order("v2")) == .accepted)
            guard case .rejected(let busy) = await h.executor.submit(commandID: "c-3", order: H.order("v3")) else {
                Issue.record("second swap of the same service accepted")
                return
            }
            #expect(busy.contains("already being swapped by command c-2"))

            guard
                case .rejected(let port) = await h.executor.submit(
                    commandID: "c-4", order: H.order("v1", service: "api"))
            else {
                Issue.record("a second service on the same public port accepted")
                return
            }
            #expect(port.contains("public port 8080 is taken by service web"))

            let journal = await h.executor.journalSnapshot()
            #expect(Set(journal.commands.keys) == ["c-2"])
            await h.executor.shutdown(grace: .zero)
            guard
                case .rejected(let closing) = await h.executor.submit(
                    commandID: "c-5", order: H.order("v1", service: "db", port: 9000))
            else {
                Issue.record("accepted while shutting down")
                return
            }
            #expect(closing.contains("shutting down"))
        }
    }

    @Test func aMissingEngineIsRefusedClearly() async throws {
        try await H.with(docker: false) { h in
            guard
                case .rejected(let reason) = await h.executor.submit(
                    commandID: "c-1", order: H.order("v1", engine: .docker))
            else {
                Issue.record("docker order accepted without a docker engine")
                return
            }
            #expect(reason == "this agent has no docker engine configured")
        }
    }

    @Test func aSwapShiftsTrafficDrainsAndKeepsTheOldVersionStopped() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            let v1 = h.engine.running(version: "v1")
            let result = try await h.swap("c-2", H.order("v2"))
            #expect(result.outcome == .succeeded && result.details["previous"] == "v1", "\(result.message)")
            let v2 = h.engine.running(version: "v2")
            #expect(v2.count == 1)
            let router = try #require(h.routers.router(port: 8080))
            #expect(h.routers.all.count == 1, "the running proxy is updated, not replaced")
            // Shift: v2 takes all the traffic while v1 drains; then v1 leaves the table.
            let tables = router.tables
            let shift = try #require(tables.first { $0.backends.contains { $0.version == "v2" } })
            #expect(shift.backends.filter { $0.version == "v2" }.map(\.weight) == [RoutingTable.fullWeight])
            #expect(shift.backends.filter { $0.version == "v1" }.allSatisfy { $0.state == .draining && $0.weight == 0 })
            #expect(router.drained == v1)
            #expect(router.table?.backends.map(\.id) == v2)
            // v1 stopped, kept.
            #expect(h.engine.running(version: "v1").isEmpty && h.engine.all(version: "v1") == v1)
            var state = await h.executor.state()
            #expect(state.first?.version == "v2" && state.first?.previousVersion == "v1")

            // The next swap removes v1 (older than the kept version) and keeps v2.
            try await h.swap("c-3", H.order("v3"))
            #expect(h.engine.all(version: "v1").isEmpty)
            #expect(h.engine.all(version: "v2") == v2 && h.engine.running(version: "v2").isEmpty)
            state = await h.executor.state()
            #expect(state.first?.version == "v3" && state.first?.previousVersion == "v2")
        }
    }

    @Test func aFailingHealthCheckKeepsTheOldVersionServingUntouched() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            let v1 = h.engine.running(version: "v1")
            let router = try #require(h.routers.router(port: 8080))
            let tablesBefore = router.tables
            h.engine.setHealth("v2", exitCode: 1)
            let result = try await h.swap("c-2", H.order("v2"))
            #expect(result.outcome == .failed)
            #expect(result.details["observed"] == "3 consecutive failures: check exited with 1")
            #expect(result.details["threshold"] == "3 failures")
            #expect(result.details["version"] == "v2" && result.details["instances"] != nil)
            #expect(result.message.contains("v1 keeps serving"))
            #expect(h.engine.all(version: "v2").isEmpty, "the new instance is stopped and removed")
            #expect(h.engine.running(version: "v1") == v1)
            #expect(router.tables == tablesBefore, "the proxy never saw v2")
            #expect(!h.engine.operations.contains { if case .stop(_, "v1") = $0 { true } else { false } })
            let journal = try h.journalOnDisk()
            #expect(journal.services["web"]?.current?.version == "v1" && journal.services["web"]?.swap == nil)
            #expect(journal.commands["c-2"]?.status == .failed && journal.commands["c-2"]?.result == result)
            // The service can be swapped again afterwards.
            #expect(try await h.swap("c-3", H.order("v3")).outcome == .succeeded)
        }
    }

    @Test func aVersionNotHealthyByTheDeadlineTimesOut() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            h.engine.setHealth("v2", exitCode: 1)
            var order = H.order("v2")
            order.unhealthyThreshold = 1000
            order.healthyDeadline = .seconds(10)
            let result = try await h.swap("c-2", order)
            #expect(result.outcome == .timedOut)
            #expect(
                result.details["observed"] == "not healthy after 10s: 0 of 2 passes; last failure: check exited with 1")
            #expect(result.details["threshold"] == "2 consecutive passes within 10s")
            #expect(h.engine.all(version: "v2").isEmpty && h.engine.running(version: "v1").count == 1)
            #expect(h.clock.elapsed >= .seconds(10) && h.clock.elapsed < .seconds(12))
        }
    }

    @Test func aFirstDeployThatFailsLeavesNothingBehind() async throws {
        try await H.with { h in
            h.engine.setFailingCreate("v1")
            let result = try await h.swap("c-1", H.order("v1"))
            #expect(result.outcome == .failed && result.message.contains("no such image for v1"))
            #expect(h.engine.instances.isEmpty && h.routers.all.isEmpty)
            #expect(await h.executor.state().isEmpty)
            #expect(await h.executor.journalSnapshot().services.isEmpty)
        }
    }

    @Test func revertingToTheKnownGoodVersionReusesItsStoppedInstance() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            let v1 = h.engine.all(version: "v1")
            #expect(await h.executor.confirm(service: "web", version: "v1"))
            #expect(await h.executor.confirm(service: "web", version: "v7") == false)
            #expect(await h.executor.revertToKnownGood(service: "web") == nil, "v1 already serves")
            try await h.swap("c-2", H.order("v2"))
            let creates = h.engine.operations.filter { if case .create = $0 { true } else { false } }.count

            let result = try #require(await h.executor.revertToKnownGood(service: "web"))
            #expect(result.outcome == .succeeded, "\(result.message)")
            #expect(h.engine.operations.filter { if case .create = $0 { true } else { false } }.count == creates)
            #expect(h.engine.running(version: "v1") == v1, "the kept instance runs again")
            #expect(h.engine.running(version: "v2").isEmpty && h.engine.all(version: "v2").count == 1)
            let state = await h.executor.state()
            #expect(state.first?.version == "v1" && state.first?.previousVersion == "v2")
            #expect(state.first?.instances.map(\.id) == v1)
            #expect(h.routers.router(port: 8080)?.table?.backends.map(\.id) == v1)
            // One passing probe is enough when reverting.
            let probes = h.engine.operations.filter { if case .execute(_, "v1") = $0 { true } else { false } }.count
            #expect(probes == 2 + 1)
        }
    }

    @Test func shutdownCancelsASwapThatHasNotMovedTraffic() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            h.engine.setHanging("v2")
            #expect(await h.executor.submit(commandID: "c-2", order: H.order("v2")) == .accepted)
            try await eventually("v2 to be probed") {
                h.engine.operations.contains(.execute(id: h.engine.all(version: "v2").first ?? "", version: "v2"))
            }
            await h.executor.shutdown(grace: .milliseconds(50))
            let result = try #require(await h.executor.result(commandID: "c-2"))
            #expect(result.outcome == .cancelled && result.message.contains("v1 keeps serving"))
            #expect(h.engine.all(version: "v2").isEmpty && h.engine.running(version: "v1").count == 1)
            #expect(h.routers.router(port: 8080)?.isClosed == true)
        }
    }

    @Test func progressReportsEveryStepInOrder() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1", engine: .docker))
            try await h.swap("c-2", H.order("v2", engine: .docker))
            await h.executor.shutdown()
            var steps: [SwapStep] = []
            for await report in h.executor.progress where report.commandID == "c-2" {
                steps.append(report.step)
                if report.step == .finished { #expect(report.result?.outcome == .succeeded && report.percent == 100) }
            }
            #expect(
                steps == [
                    .accepted, .pullingImage, .creating, .healthChecking, .shifting, .draining, .stoppingOld, .finished,
                ])
        }
    }

    @Test func aNewPublicPortGetsANewProxyAndTheOldOneCloses() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            let old = try #require(h.routers.router(port: 8080))
            let result = try await h.swap("c-2", H.order("v2", port: 9090))
            #expect(result.outcome == .succeeded && result.details["port"] == "9090", "\(result.message)")
            let new = try #require(h.routers.router(port: 9090))
            #expect(new.isStarted && new.table?.backends.map(\.version) == ["v2"])
            #expect(old.isClosed)
            #expect(await h.executor.state().first?.proxyPort == 9090)
        }
    }

    @Test func aRevertWhoseKeptInstanceIsGoneStartsAFreshOne() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            #expect(await h.executor.confirm(service: "web", version: "v1"))
            try await h.swap("c-2", H.order("v2"))
            let lost = h.engine.all(version: "v1")
            h.engine.state.withLock { state in for id in lost { state.instances[id] = nil } }

            let result = try #require(await h.executor.revertToKnownGood(service: "web"))
            #expect(result.outcome == .succeeded, "\(result.message)")
            let running = h.engine.running(version: "v1")
            #expect(running.count == 1 && running != lost)
            #expect(await h.executor.state().first?.instances.map(\.id) == running)
        }
    }

    @Test func differentServicesSwapConcurrently() async throws {
        try await H.with { h in
            h.engine.setHanging("slow-v1")
            #expect(
                await h.executor.submit(commandID: "c-1", order: H.order("slow-v1", service: "slow", port: 9001))
                    == .accepted)
            let fast = try await h.swap("c-2", H.order("v1", service: "fast", port: 9002))
            #expect(fast.outcome == .succeeded)
            #expect(await h.executor.result(commandID: "c-1") == nil, "the slow swap is still waiting for health")
            #expect(await h.executor.state().map(\.service) == ["fast"])
            await h.executor.shutdown(grace: .zero)
            #expect(await h.executor.result(commandID: "c-1")?.outcome == .cancelled)
        }
    }

    @Test func aSwapAcceptedJustBeforeShutdownDoesNotStart() async throws {
        try await H.with { h in
            #expect(await h.executor.submit(commandID: "c-1", order: H.order("v1")) == .accepted)
            await h.executor.shutdown()
            // Either it ran to completion before the shutdown, or it never started.
            let result = try #require(await h.executor.result(commandID: "c-1"))
            if result.outcome == .cancelled {
                #expect(result.message == "the agent shut down before the swap started")
                #expect(h.engine.instances.isEmpty && h.routers.all.isEmpty)
            } else {
                #expect(result.outcome == .succeeded && h.routers.all.allSatisfy(\.isClosed))
            }
        }
    }
}
