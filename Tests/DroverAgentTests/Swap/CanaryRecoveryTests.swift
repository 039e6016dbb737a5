import DroverAgent
import DroverProxy
import DroverRuntime
import DroverSession
import Foundation
import Synchronization
import Testing

/// A killed agent converges on restart with canaries too: a canary whose swap did not finish
/// is removed (stable serves 100 %), a finished one keeps its journalled weight, an abort cut
/// short is finished, a promotion cut short leaves stable serving beside the canary.
@Suite struct CanaryRecoveryTests {
    typealias H = SwapHarness

    /// Runs `setup`, then `command` while copying the journal and the engine at the first
    /// engine operation or router call that `point` matches ("the agent was killed here").
    /// Returns the copied state directory and engine.
    static func crash(
        setup: (SwapHarness) async throws -> Void,
        engineAt: @escaping @Sendable (FakeEngine.Operation) -> Bool = { _ in false },
        routerAt: @escaping @Sendable (String) -> Bool = { _ in false },
        command: (SwapHarness) async throws -> Void
    ) async throws -> (directory: String, engine: FakeEngine) {
        let snapshotDirectory = temporaryPath("canary-crash")
        let crashed = Mutex<FakeEngine?>(nil)
        try await H.with { h in
            try await setup(h)
            let directory = h.directory
            let engine = h.engine
            let snapshot: @Sendable () -> Void = {
                crashed.withLock { crashed in
                    guard crashed == nil else { return }
                    let bytes = try! PrivateFile.read(directory + "/journal.json")
                    try! PrivateFile.makeDirectory(snapshotDirectory)
                    try! PrivateFile.write(bytes, to: snapshotDirectory + "/journal.json")
                    crashed = engine.clone()
                }
            }
            h.engine.hook.withLock { $0 = { if engineAt($0) { snapshot() } } }
            h.routers.router(port: 8080)?.hook.withLock { $0 = { if routerAt($0) { snapshot() } } }
            try await command(h)
        }
        let engine = try #require(crashed.withLock { $0 }, "the crash point was never reached")
        return (snapshotDirectory, engine)
    }

    static func weights(_ table: RoutingTable?) -> [String: Int] { CanaryExecutorTests.weights(table) }

    enum CanaryStep: String, CaseIterable, Sendable {
        case create, healthCheck, shift
    }

    @Test(arguments: CanaryStep.allCases)
    func aCanaryCutShortIsRemovedAndStableServesAll(_ step: CanaryStep) async throws {
        var v1: [String] = []
        let (directory, engine) = try await Self.crash(
            setup: { h in
                try await h.swap("c-1", H.order("v1", instances: 2))
                v1 = h.engine.all(version: "v1")
            },
            engineAt: { operation in
                switch (step, operation) {
                case (.create, .create(_, "v2")), (.healthCheck, .execute(_, "v2")): true
                default: false
                }
            },
            routerAt: { step == .shift && $0 == "update" },
            command: { h in
                let result = try await h.swap("c-2", CanaryExecutorTests.canary("v2", weight: 2_000))
                #expect(result.succeeded)
            })
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let atCrash = try SwapJournalFile(directory: directory).load()
        #expect(atCrash.services["web"]?.swap?.order.canary == true, "write-ahead: the canary swap was journalled")

        try await H.with(directory: directory, engine: engine) { h in
            let result = try #require(await h.executor.result(commandID: "c-2"))
            #expect(result.outcome == .failed && result.message.contains("agent restarted"))
            #expect(engine.all(version: "v2").isEmpty, "the canary's instances are removed")
            #expect(engine.running(version: "v1") == v1)
            let router = try #require(h.routers.router(port: 8080))
            #expect(Self.weights(router.table) == ["v1": 10_000] && router.table?.canaryVersion == nil)
            #expect(await h.executor.state().first?.canaryVersion == nil)
            #expect(try h.journalOnDisk().services["web"]?.canary == nil)
        }
    }

    @Test func aReplacementCutShortKeepsTheOldCanaryAndRemovesTheNewOne() async throws {
        var v2: [String] = []
        let (directory, engine) = try await Self.crash(
            setup: { h in
                try await h.swap("c-1", H.order("v1"))
                try await h.swap("c-2", CanaryExecutorTests.canary("v2", weight: 1_500))
                v2 = h.engine.all(version: "v2")
            },
            routerAt: { $0 == "drain" },
            command: { h in
                let result = try await h.swap("c-3", CanaryExecutorTests.canary("v3", weight: 3_000))
                #expect(result.succeeded)
            })
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await H.with(directory: directory, engine: engine) { h in
            let result = try #require(await h.executor.result(commandID: "c-3"))
            #expect(result.outcome == .failed)
            #expect(engine.all(version: "v3").isEmpty)
            #expect(engine.running(version: "v2") == v2)
            #expect(Self.weights(h.routers.router(port: 8080)?.table) == ["v1": 8_500, "v2": 1_500])
            #expect(await h.executor.state().first?.canaryVersion == "v2")
        }
    }

    @Test func aFinishedCanaryKeepsItsWeightAcrossARestart() async throws {
        let directory = temporaryPath("canary-restart")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = FakeEngine()
        let sticky = Stickiness(source: .header, name: "x-user", allowlist: ["alice"])
        try await H.with(directory: directory, engine: engine) { h in
            try await h.swap("c-1", H.order("v1"))
            try await h.swap("c-2", CanaryExecutorTests.canary("v2", weight: 3_000, stickiness: sticky))
            _ = await h.executor.setWeights(
                commandID: "w-1", order: WeightsOrder(service: "web", canaryVersion: "v2", canaryWeight: 4_000))
            #expect(try await h.result("w-1").succeeded)
        }
        // The canary died while the agent was down.
        let v2 = engine.all(version: "v2")
        engine.state.withLock { $0.instances[v2[0]]?.state = .exited(code: 137) }
        try await H.with(directory: directory, engine: engine) { h in
            #expect(engine.running(version: "v2") == v2, "started again")
            let table = try #require(h.routers.router(port: 8080)?.table)
            #expect(Self.weights(table) == ["v1": 6_000, "v2": 4_000])
            #expect(table.canaryVersion == "v2" && table.stickiness == .header(name: "x-user"))
            #expect(table.canaryAllowlist == ["alice"])
            let state = try #require(await h.executor.state().first)
            #expect(state.canaryVersion == "v2" && state.canaryWeight == 4_000)
        }
        // A canary the engine lost is forgotten: stable serves all.
        engine.state.withLock { $0.instances[v2[0]] = nil }
        try await H.with(directory: directory, engine: engine) { h in
            #expect(Self.weights(h.routers.router(port: 8080)?.table) == ["v1": 10_000])
            #expect(await h.executor.state().first?.canaryVersion == nil)
        }
    }

    @Test func anAbortCutShortIsFinishedOnRestart() async throws {
        var v1: [String] = []
        let (directory, engine) = try await Self.crash(
            setup: { h in
                try await h.swap("c-1", H.order("v1"))
                try await h.swap("c-2", CanaryExecutorTests.canary("v2", weight: 5_000))
                v1 = h.engine.all(version: "v1")
            },
            routerAt: { $0 == "drain" },
            command: { h in
                var abort = H.order("v1")
                abort.revert = true
                let result = try await h.swap("c-3", abort)
                #expect(result.succeeded)
            })
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try SwapJournalFile(directory: directory).load().services["web"]?.swap?.step == .draining)
        try await H.with(directory: directory, engine: engine) { h in
            let result = try #require(await h.executor.result(commandID: "c-3"))
            #expect(result.succeeded && result.message.contains("finished on restart"), "\(result.message)")
            #expect(engine.all(version: "v2").isEmpty)
            #expect(engine.running(version: "v1") == v1)
            #expect(Self.weights(h.routers.router(port: 8080)?.table) == ["v1": 10_000])
            #expect(await h.executor.state().first?.canaryVersion == nil)
        }
    }

    enum PromotionStep: String, CaseIterable, Sendable {
        case shift, drain, stopStable
    }

    @Test(arguments: PromotionStep.allCases)
    func aPromotionCutShortLeavesStableServingBesideTheCanary(_ step: PromotionStep) async throws {
        var v1: [String] = []
        var v2: [String] = []
        let (directory, engine) = try await Self.crash(
            setup: { h in
                try await h.swap("c-1", H.order("v1"))
                try await h.swap("c-2", CanaryExecutorTests.canary("v2", weight: 2_000))
                v1 = h.engine.all(version: "v1")
                v2 = h.engine.all(version: "v2")
            },
            engineAt: { operation in
                if step == .stopStable, case .stop(_, "v1") = operation { return true }
                return false
            },
            routerAt: { (step == .shift && $0 == "update") || (step == .drain && $0 == "drain") },
            command: { h in
                let result = try await h.swap("c-3", H.order("v2"))
                #expect(result.succeeded)
            })
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await H.with(directory: directory, engine: engine) { h in
            let result = try #require(await h.executor.result(commandID: "c-3"))
            #expect(result.outcome == .failed, "\(result.message)")
            #expect(engine.running(version: "v1") == v1, "stable serves again")
            #expect(engine.running(version: "v2") == v2, "the canary keeps running")
            #expect(Self.weights(h.routers.router(port: 8080)?.table) == ["v1": 8_000, "v2": 2_000])
            let state = try #require(await h.executor.state().first)
            #expect(state.version == "v1" && state.canaryVersion == "v2")
            // The controller promotes again under a new id.
            #expect(try await h.swap("c-4", H.order("v2")).succeeded)
            #expect(Self.weights(h.routers.router(port: 8080)?.table) == ["v2": 10_000])
        }
    }
}
