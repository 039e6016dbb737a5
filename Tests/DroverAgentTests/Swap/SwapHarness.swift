import DroverAgent
import DroverRuntime
import DroverSession
import Foundation
import Synchronization
import Testing

/// A fresh temporary directory path (not created).
func temporaryPath(_ prefix: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
}

/// Polls until `condition` holds; fails the test after `timeout` (generous: the whole suite
/// runs in parallel on two cores in CI, and a test can wait many seconds for a thread).
func eventually(
    timeout: Duration = .seconds(90), _ what: String, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// An executor over a ``FakeEngine``, ``FakeRouter``s and a ``VirtualClock``, with its run loop going.
struct SwapHarness {
    let directory: String
    let engine: FakeEngine
    let routers: FakeRouters
    let clock: VirtualClock
    let executor: SwapExecutor

    static let labels = ["drover.agent": "agent-a"]

    /// A process order for service `web` probed by an exec check (the fake engine's exit code).
    static func order(
        _ version: String, service: String = "web", port: Int = 8080, instances: Int = 1,
        engine: SwapOrder.Engine = .process
    ) -> SwapOrder {
        SwapOrder(
            service: service, version: version, engine: engine,
            image: engine == .docker ? "example/web:\(version)" : nil,
            command: engine == .process ? ["/bin/serve", version] : nil, publicPort: port, instances: instances,
            health: .exec(["check"]), healthInterval: .seconds(1), healthTimeout: .seconds(1), healthyThreshold: 2,
            unhealthyThreshold: 3, healthyDeadline: .seconds(30), drainTimeout: .seconds(5), stopGrace: .seconds(1))
    }

    /// Runs `body` with a recovered executor whose ``SwapExecutor/run()`` loop runs; shuts it down after.
    /// A temporary directory is made (and removed afterwards) unless `directory` is given.
    static func with(
        directory given: String? = nil,
        engine: FakeEngine = FakeEngine(),
        docker: Bool = true,
        recover: Bool = true,
        _ body: (SwapHarness) async throws -> Void
    ) async throws {
        let directory = given ?? temporaryPath("swap")
        defer { if given == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let routers = FakeRouters()
        let clock = VirtualClock()
        let ports = Mutex(20_000)
        let executor = try SwapExecutor(
            configuration: SwapExecutorConfiguration(
                stateDirectory: directory, proxyHost: "127.0.0.1", instanceLabels: labels),
            docker: docker ? engine : nil, process: engine, clock: clock.swapClock, makeRouter: routers.factory,
            allocatePort: {
                ports.withLock {
                    $0 += 1; return $0
                }
            },
            logger: DroverLogger(label: "test.swap", minimumLevel: .error))
        if recover { await executor.recover() }
        let harness = SwapHarness(
            directory: directory, engine: engine, routers: routers, clock: clock, executor: executor)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await executor.run() }
            do {
                try await body(harness)
            } catch {
                await executor.shutdown(grace: .zero)
                throw error
            }
            await executor.shutdown(grace: .seconds(10))
            try await group.waitForAll()
        }
    }

    /// Submits and waits for the result.
    @discardableResult
    func swap(_ commandID: String, _ order: SwapOrder) async throws -> SwapResult {
        let outcome = await executor.submit(commandID: commandID, order: order)
        #expect(outcome == .accepted, "submit \(commandID)")
        return try await result(commandID)
    }

    /// Waits for a command's result.
    func result(_ commandID: String) async throws -> SwapResult {
        var found: SwapResult?
        try await eventually("result of \(commandID)") {
            found = await executor.result(commandID: commandID)
            return found != nil
        }
        return found!
    }

    /// The journal on disk.
    func journalOnDisk() throws -> SwapJournal {
        try SwapJournalFile(directory: directory).load()
    }
}
