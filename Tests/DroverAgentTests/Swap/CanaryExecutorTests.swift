import DroverAgent
import DroverProxy
import DroverRuntime
import Testing

/// Canaries on the executor (Protocol/README.md §7.3.1) over a fake engine, fake proxies and a
/// virtual clock: start beside stable, weights, promotion, abort, replacement, controller loss.
@Suite struct CanaryExecutorTests {
    typealias H = SwapHarness

    /// A canary order of `version` at `weight` basis points.
    static func canary(
        _ version: String, weight: Int, instances: Int = 1, stickiness: Stickiness? = nil,
        engine: SwapOrder.Engine = .process
    ) -> SwapOrder {
        var order = H.order(version, instances: instances, engine: engine)
        order.canary = true
        order.canaryWeight = weight
        order.stickiness = stickiness
        return order
    }

    /// The weight each version has in `table`.
    static func weights(_ table: RoutingTable?) -> [String: Int] {
        (table?.backends ?? []).filter { $0.state == .active }.reduce(into: [:]) {
            $0[$1.version, default: 0] += $1.weight
        }
    }

    @Test func aCanaryStartsBesideStableWithItsWeightAndStickiness() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1", instances: 2))
            let v1 = h.engine.running(version: "v1")
            let sticky = Stickiness(source: .cookie, name: "drover_web", allowlist: ["qa-team"])
            let result = try await h.swap("c-2", Self.canary("v2", weight: 2_000, instances: 3, stickiness: sticky))
            #expect(result.outcome == .succeeded, "\(result.message)")
            #expect(result.details["canaryWeight"] == "2000")
            let router = try #require(h.routers.router(port: 8080))
            let table = try #require(router.table)
            #expect(Self.weights(table) == ["v1": 8_000, "v2": 2_000])
            #expect(table.backends.filter { $0.version == "v2" }.count == 3)
            #expect(table.canaryVersion == "v2")
            #expect(table.stickiness == .cookie(name: "drover_web") && table.canaryAllowlist == ["qa-team"])
            #expect(h.engine.running(version: "v1") == v1, "stable keeps running")
            #expect(h.engine.running(version: "v2").count == 3)
            #expect(router.drained.isEmpty, "stable is not drained")
            let state = try #require(await h.executor.state().first)
            #expect(state.version == "v1" && state.canaryVersion == "v2" && state.canaryWeight == 2_000)
            #expect(state.canaryInstances.count == 3)
            let journal = try h.journalOnDisk()
            #expect(journal.services["web"]?.canary?.weight == 2_000)
            #expect(journal.services["web"]?.canary?.deployment.instances.count == 3)
            #expect(journal.services["web"]?.current?.version == "v1")
        }
    }

    @Test func anUnhealthyCanaryIsRemovedAndStableIsUntouched() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            let router = try #require(h.routers.router(port: 8080))
            let tables = router.tables.count
            let v1 = h.engine.running(version: "v1")
            h.engine.setHealth("v2", exitCode: 1)
            let result = try await h.swap("c-2", Self.canary("v2", weight: 5_000))
            #expect(result.outcome == .failed && result.message.contains("v1 keeps serving"), "\(result.message)")
            #expect(h.engine.all(version: "v2").isEmpty, "the canary's instances are removed")
            #expect(h.engine.running(version: "v1") == v1)
            #expect(!h.engine.operations.contains { if case .stop(_, "v1") = $0 { true } else { false } })
            #expect(router.tables.count == tables, "the table never changed")
            #expect(await h.executor.state().first?.canaryVersion == nil)
            #expect(try h.journalOnDisk().services["web"]?.canary == nil)
        }
    }

    @Test func aCanaryNeedsAServingVersion() async throws {
        try await H.with { h in
            let result = try await h.swap("c-1", Self.canary("v2", weight: 1_000))
            #expect(result.outcome == .failed && result.message.contains("needs a serving version"))
            #expect(h.engine.instances.isEmpty)
            #expect(await h.executor.state().isEmpty)
        }
    }

    @Test func setWeightsChangesTheTableAtOnceAndIsIdempotent() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1", instances: 2))
            try await h.swap("c-2", Self.canary("v2", weight: 1_000, instances: 2))
            let operations = h.engine.operations.count
            let router = try #require(h.routers.router(port: 8080))

            #expect(
                await h.executor.setWeights(
                    commandID: "w-1", order: WeightsOrder(service: "web", canaryVersion: "v2", canaryWeight: 5_000))
                    == .accepted)
            let first = try await h.result("w-1")
            #expect(first.outcome == .succeeded && first.details["canaryWeight"] == "5000", "\(first.message)")
            #expect(Self.weights(router.table) == ["v1": 5_000, "v2": 5_000])
            #expect(try h.journalOnDisk().services["web"]?.canary?.weight == 5_000)
            // Re-delivered: the first result, nothing changes (even with another weight under the id).
            let tables = router.tables.count
            #expect(
                await h.executor.setWeights(
                    commandID: "w-1", order: WeightsOrder(service: "web", canaryVersion: "v2", canaryWeight: 9_000))
                    == .duplicate(result: first))
            #expect(router.tables.count == tables)
            // Blue-green style: everything to the canary, then everything back.
            _ = await h.executor.setWeights(
                commandID: "w-2", order: WeightsOrder(service: "web", canaryVersion: "v2", canaryWeight: 10_000))
            #expect(try await h.result("w-2").succeeded)
            #expect(Self.weights(router.table) == ["v1": 0, "v2": 10_000])
            _ = await h.executor.setWeights(
                commandID: "w-3", order: WeightsOrder(service: "web", canaryVersion: "v2", canaryWeight: 0))
            #expect(try await h.result("w-3").succeeded)
            #expect(Self.weights(router.table) == ["v1": 10_000, "v2": 0])
            #expect(h.engine.operations.count == operations, "no instance was touched")

            // Another version than the running canary, or a weight past 100 %: FAILED, nothing changed.
            let before = router.tables.count
            _ = await h.executor.setWeights(
                commandID: "w-4", order: WeightsOrder(service: "web", canaryVersion: "v3", canaryWeight: 100))
            let unknown = try await h.result("w-4")
            #expect(unknown.outcome == .failed && unknown.message.contains("no canary v3"), "\(unknown.message)")
            _ = await h.executor.setWeights(
                commandID: "w-5", order: WeightsOrder(service: "web", canaryVersion: "v2", canaryWeight: 10_001))
            let tooMuch = try await h.result("w-5")
            #expect(tooMuch.outcome == .failed && tooMuch.message.contains("10001"), "\(tooMuch.message)")
            _ = await h.executor.setWeights(
                commandID: "w-6", order: WeightsOrder(service: "api", canaryVersion: "v2", canaryWeight: 100))
            #expect(try await h.result("w-6").outcome == .failed)
            #expect(router.tables.count == before)
            #expect(try h.journalOnDisk().services["web"]?.canary?.weight == 0)
        }
    }

    /// Blue-green with the canary primitives: green beside blue without traffic, all traffic
    /// to green, back to blue at once, to green again, then blue retired (a promotion).
    @Test func blueGreenIsACanaryAtZeroThenWeightsThenAPromotion() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("blue", instances: 2))
            #expect(try await h.swap("c-2", Self.canary("green", weight: 0, instances: 2)).succeeded)
            let router = try #require(h.routers.router(port: 8080))
            #expect(Self.weights(router.table) == ["blue": 10_000, "green": 0])
            #expect(h.engine.running(version: "green").count == 2, "the full green set runs, without traffic")
            for (id, weight, expected) in [
                ("w-1", 10_000, ["blue": 0, "green": 10_000]), ("w-2", 0, ["blue": 10_000, "green": 0]),
                ("w-3", 10_000, ["blue": 0, "green": 10_000]),
            ] {
                _ = await h.executor.setWeights(
                    commandID: id, order: WeightsOrder(service: "web", canaryVersion: "green", canaryWeight: weight))
                #expect(try await h.result(id).succeeded)
                #expect(Self.weights(router.table) == expected, "\(id)")
            }
            #expect(try await h.swap("c-3", H.order("green", instances: 2)).succeeded)
            #expect(Self.weights(router.table) == ["green": 10_000])
            #expect(h.engine.running(version: "blue").isEmpty && h.engine.all(version: "blue").count == 2)
            let state = try #require(await h.executor.state().first)
            #expect(state.version == "green" && state.previousVersion == "blue" && state.canaryVersion == nil)
        }
    }

    @Test func theSameCanaryAgainOnlyChangesItsWeight() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            try await h.swap("c-2", Self.canary("v2", weight: 1_000))
            let operations = h.engine.operations.count
            let result = try await h.swap("c-3", Self.canary("v2", weight: 3_000))
            #expect(result.succeeded, "\(result.message)")
            #expect(h.engine.operations.count == operations, "nothing restarted")
            #expect(Self.weights(h.routers.router(port: 8080)?.table) == ["v1": 7_000, "v2": 3_000])
        }
    }

    @Test func aNewCanaryReplacesTheRunningOneOnceHealthy() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            try await h.swap("c-2", Self.canary("v2", weight: 1_000))
            let v2 = h.engine.all(version: "v2")
            let result = try await h.swap("c-3", Self.canary("v3", weight: 2_500))
            #expect(result.succeeded && result.details["canaryRemoved"] == "v2", "\(result.message)")
            #expect(h.engine.all(version: "v2").isEmpty)
            let router = try #require(h.routers.router(port: 8080))
            #expect(router.drained == v2)
            #expect(Self.weights(router.table) == ["v1": 7_500, "v3": 2_500])
            #expect(router.table?.backends.contains { $0.version == "v2" } == false)
            #expect(await h.executor.state().first?.canaryVersion == "v3")
            // An unhealthy replacement leaves the running canary as it was.
            h.engine.setHealth("v4", exitCode: 1)
            #expect(try await h.swap("c-4", Self.canary("v4", weight: 9_000)).outcome == .failed)
            #expect(Self.weights(router.table) == ["v1": 7_500, "v3": 2_500])
            #expect(h.engine.running(version: "v3").count == 1)
        }
    }

    @Test func promotionStartsNothingAndDrainsAndStopsStable() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1", instances: 2))
            try await h.swap("c-2", Self.canary("v2", weight: 2_000, instances: 2))
            let v1 = h.engine.all(version: "v1")
            let v2 = h.engine.running(version: "v2")
            let creates = h.engine.operations.filter { if case .create = $0 { true } else { false } }.count
            let result = try await h.swap("c-3", H.order("v2", instances: 2))
            #expect(result.succeeded && result.details["previous"] == "v1", "\(result.message)")
            #expect(h.engine.operations.filter { if case .create = $0 { true } else { false } }.count == creates)
            #expect(h.engine.running(version: "v2") == v2, "the canary's instances serve")
            #expect(h.engine.running(version: "v1").isEmpty && h.engine.all(version: "v1") == v1, "stable kept stopped")
            let router = try #require(h.routers.router(port: 8080))
            #expect(Set(router.drained) == Set(v1))
            #expect(Self.weights(router.table) == ["v2": 10_000] && router.table?.backends.count == 2)
            let state = try #require(await h.executor.state().first)
            #expect(state.version == "v2" && state.previousVersion == "v1" && state.canaryVersion == nil)
            #expect(Set(state.instances.map(\.id)) == Set(v2))
            // The promoted version rolls back like any swap: v1's kept instances start again.
            var back = H.order("v1", instances: 2)
            back.revert = true
            #expect(try await h.swap("c-4", back).succeeded)
            #expect(h.engine.running(version: "v1") == v1)
        }
    }

    @Test func anAbortRemovesTheCanaryWithoutTouchingStable() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1", instances: 2))
            try await h.swap("c-2", Self.canary("v2", weight: 3_000, instances: 2))
            let v1 = h.engine.running(version: "v1")
            let v2 = h.engine.all(version: "v2")
            let v1Operations = h.engine.operations.filter { operationVersion($0) == "v1" }.count
            let elapsed = h.clock.elapsed
            var abort = H.order("v1", instances: 2)
            abort.revert = true
            let result = try await h.swap("c-3", abort)
            #expect(result.succeeded && result.details["canaryRemoved"] == "v2", "\(result.message)")
            #expect(h.clock.elapsed == elapsed, "no health check, no wait")
            #expect(h.engine.all(version: "v2").isEmpty)
            #expect(h.engine.running(version: "v1") == v1)
            #expect(h.engine.operations.filter { operationVersion($0) == "v1" }.count == v1Operations)
            let router = try #require(h.routers.router(port: 8080))
            #expect(Set(router.drained) == Set(v2))
            // The first table of the abort already gave the canary nothing.
            let abortTables = router.tables.suffix(2)
            #expect(
                abortTables.allSatisfy { Self.weights($0)["v2", default: 0] == 0 && Self.weights($0)["v1"] == 10_000 })
            #expect(router.table?.backends.map(\.id).sorted() == v1)
            let state = try #require(await h.executor.state().first)
            #expect(state.version == "v1" && state.canaryVersion == nil && state.previousVersion == nil)
        }
    }

    @Test func aSwapToAThirdVersionEndsTheCanaryToo() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            try await h.swap("c-2", Self.canary("v2", weight: 3_000))
            let result = try await h.swap("c-3", H.order("v3"))
            #expect(result.succeeded && result.details["canaryRemoved"] == "v2", "\(result.message)")
            #expect(h.engine.all(version: "v2").isEmpty)
            #expect(Self.weights(h.routers.router(port: 8080)?.table) == ["v3": 10_000])
            let state = try #require(await h.executor.state().first)
            #expect(state.version == "v3" && state.previousVersion == "v1" && state.canaryVersion == nil)
        }
    }

    @Test func theControllerLossRevertRemovesACanary() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            #expect(await h.executor.confirm(service: "web", version: "v1"))
            try await h.swap("c-2", Self.canary("v2", weight: 5_000))
            let result = try #require(await h.executor.revertToKnownGood(service: "web"))
            #expect(result.succeeded, "\(result.message)")
            #expect(h.engine.all(version: "v2").isEmpty)
            #expect(Self.weights(h.routers.router(port: 8080)?.table) == ["v1": 10_000])
            #expect(await h.executor.state().first?.canaryVersion == nil)
            // Nothing left to revert.
            #expect(await h.executor.revertToKnownGood(service: "web") == nil)
        }
    }

    @Test func stoppingTheServiceRemovesTheCanaryToo() async throws {
        try await H.with { h in
            try await h.swap("c-1", H.order("v1"))
            try await h.swap("c-2", Self.canary("v2", weight: 5_000))
            #expect(try await h.executor.removeService("web") == "v1")
            #expect(h.engine.instances.isEmpty)
        }
    }
}

/// The version an engine operation concerns (nil for image pulls).
func operationVersion(_ operation: FakeEngine.Operation) -> String? {
    switch operation {
    case .ensureImage: nil
    case .create(_, let version), .start(_, let version), .stop(_, let version), .remove(_, let version),
        .execute(_, let version):
        version
    }
}
