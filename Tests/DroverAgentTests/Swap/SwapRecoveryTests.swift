import DroverAgent
import DroverProxy
import DroverRuntime
import DroverSession
import Foundation
import Synchronization
import Testing

/// A killed agent converges on restart: the journal is written before every step, and
/// ``SwapExecutor/recover()`` undoes a swap cut short at any of them.
@Suite struct SwapRecoveryTests {
    typealias H = SwapHarness

    /// Where the agent is "killed": the journal and the engine are copied at that moment.
    enum CrashPoint: String, CaseIterable, Sendable {
        case pullingImage, afterCreate, beforeStart, healthCheck, shift, drain, afterStoppingOld

        /// The step the journal must show (write-ahead).
        var step: SwapStep {
            switch self {
            case .pullingImage: .pullingImage
            case .afterCreate, .beforeStart: .creating
            case .healthCheck: .healthChecking
            case .shift: .shifting
            case .drain: .draining
            case .afterStoppingOld: .stoppingOld
            }
        }

        func matches(engine operation: FakeEngine.Operation) -> Bool {
            switch (self, operation) {
            case (.pullingImage, .ensureImage("example/web:v2")): true
            case (.afterCreate, .create(_, "v2")): true
            case (.beforeStart, .start(_, "v2")): true
            case (.healthCheck, .execute(_, "v2")): true
            case (.afterStoppingOld, .stop(_, "v1")): true
            default: false
            }
        }

        func matches(router operation: String) -> Bool {
            (self == .shift && operation == "update") || (self == .drain && operation == "drain")
        }
    }

    @Test(arguments: CrashPoint.allCases)
    func aSwapCutShortAtAnyStepIsFailedAndTheOldVersionServes(_ point: CrashPoint) async throws {
        let snapshotDirectory = temporaryPath("swap-crash")
        defer { try? FileManager.default.removeItem(atPath: snapshotDirectory) }
        let crashed = Mutex<FakeEngine?>(nil)
        var v1: [String] = []
        try await H.with { h in
            try await h.swap("c-1", H.order("v1", instances: 2, engine: .docker))
            v1 = h.engine.all(version: "v1")
            let directory = h.directory
            let engine = h.engine
            // Under the lock: parallel probes or drains may reach the crash point together.
            let snapshot: @Sendable () -> Void = {
                crashed.withLock { crashed in
                    guard crashed == nil else { return }
                    let bytes = try! PrivateFile.read(directory + "/journal.json")
                    try! PrivateFile.makeDirectory(snapshotDirectory)
                    try! PrivateFile.write(bytes, to: snapshotDirectory + "/journal.json")
                    crashed = engine.clone()
                }
            }
            h.engine.hook.withLock { $0 = { if point.matches(engine: $0) { snapshot() } } }
            h.routers.router(port: 8080)?.hook.withLock { $0 = { if point.matches(router: $0) { snapshot() } } }
            #expect(try await h.swap("c-2", H.order("v2", instances: 2, engine: .docker)).outcome == .succeeded)
        }
        let engine = try #require(crashed.withLock { $0 }, "the crash point was never reached")

        // Write-ahead: the journal already said what the agent was doing.
        let atCrash = try SwapJournalFile(directory: snapshotDirectory).load()
        let swap = try #require(atCrash.services["web"]?.swap)
        #expect(swap.commandID == "c-2" && swap.step == point.step)
        #expect(atCrash.services["web"]?.current?.version == "v1")
        if point == .afterCreate { #expect(swap.planned.count == 1 && swap.created.isEmpty) }
        if point == .beforeStart { #expect(swap.created.count == 1) }

        try await H.with(directory: snapshotDirectory, engine: engine) { h in
            let result = try #require(await h.executor.result(commandID: "c-2"))
            #expect(result.outcome == .failed && result.message.contains("agent restarted during the swap"))
            #expect(result.details["observed"] == "agent restarted at step \(point.step.rawValue)")
            #expect(engine.all(version: "v2").isEmpty, "the new instances are removed")
            #expect(engine.running(version: "v1") == v1, "the old instances serve again")
            let router = try #require(h.routers.router(port: 8080))
            #expect(router.isStarted && Set(router.table?.backends.map(\.id) ?? []) == Set(v1))
            let state = await h.executor.state()
            #expect(state.first?.version == "v1" && state.first?.swapInProgress == nil)
            // The id stays answered; the controller can try again under a new one.
            #expect(
                await h.executor.submit(commandID: "c-2", order: H.order("v2", engine: .docker))
                    == .duplicate(result: result))
            #expect(try await h.swap("c-3", H.order("v2", engine: .docker)).outcome == .succeeded)
        }
    }

    static func spec(_ version: String, agent: String) -> InstanceSpec {
        let name = "web-\(version)-planted-\(agent)"
        return InstanceSpec(
            name: name, service: "web", version: version, instance: name, workload: .command(["/bin/serve"]),
            port: PortMapping(containerPort: 1, hostPort: 1), extraLabels: ["drover.agent": agent])
    }

    @Test func recoveryRestartsTheCurrentStopsTheKeptAndRemovesStrays() async throws {
        let directory = temporaryPath("swap-recover")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = FakeEngine()
        try await H.with(directory: directory, engine: engine) { h in
            try await h.swap("c-1", H.order("v1"))
            try await h.swap("c-2", H.order("v2"))
        }
        let v1 = engine.all(version: "v1")
        let v2 = engine.all(version: "v2")
        // Behind the agent's back: v2 died, v1 got started, a stray and another agent's instance appeared.
        engine.state.withLock { state in
            state.instances[v2[0]]?.state = .exited(code: 137)
            state.instances[v1[0]]?.state = .running
        }
        let stray = engine.plant(Self.spec("v9", agent: "agent-a"))
        let foreign = engine.plant(Self.spec("v5", agent: "agent-b"))

        try await H.with(directory: directory, engine: engine) { h in
            #expect(engine.running(version: "v2") == v2)
            #expect(engine.all(version: "v1") == v1 && engine.running(version: "v1").isEmpty)
            #expect(engine.instances[stray] == nil)
            #expect(engine.instances[foreign] != nil, "another agent's instance is not ours to remove")
            let state = await h.executor.state()
            #expect(
                state.first?.version == "v2" && state.first?.previousVersion == "v1" && state.first?.proxyPort == 8080)
            #expect(h.routers.router(port: 8080)?.table?.backends.map(\.id) == v2)
        }
    }

    @Test func recoveryRecreatesALostCurrentInstanceAndForgetsLostKeptOnes() async throws {
        let directory = temporaryPath("swap-recover")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = FakeEngine()
        try await H.with(directory: directory, engine: engine) { h in
            try await h.swap("c-1", H.order("v1"))
            try await h.swap("c-2", H.order("v2", instances: 2))
        }
        let v2 = engine.all(version: "v2")
        engine.state.withLock { state in
            state.instances[v2[1]] = nil
            for (id, instance) in state.instances where instance.spec.version == "v1" { state.instances[id] = nil }
        }
        try await H.with(directory: directory, engine: engine) { h in
            let running = engine.running(version: "v2")
            #expect(running.count == 2 && running.contains(v2[0]) && !running.contains(v2[1]))
            let state = try #require(await h.executor.state().first)
            #expect(Set(state.instances.map(\.id)) == Set(running))
            #expect(state.previousVersion == nil, "a kept version the engine lost is forgotten")
            #expect(try h.journalOnDisk().services["web"]?.current?.instances.map(\.id).sorted() == running)
        }
    }

    @Test func theJournalSurvivesARestartWithItsCommands() async throws {
        let directory = temporaryPath("swap-recover")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = FakeEngine()
        var first: SwapResult?
        try await H.with(directory: directory, engine: engine) { h in
            first = try await h.swap("c-1", H.order("v1"))
            #expect(await h.executor.confirm(service: "web", version: "v1"))
        }
        try await H.with(directory: directory, engine: engine) { h in
            #expect(await h.executor.submit(commandID: "c-1", order: H.order("v1")) == .duplicate(result: first))
            #expect(await h.executor.state().first?.knownGoodVersion == "v1")
        }
    }
}
