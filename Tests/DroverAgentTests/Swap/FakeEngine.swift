import DroverRuntime
import Synchronization

/// An in-memory ``ContainerEngine``: instances are records, health is an exit code per version.
///
/// `hook` sees every operation as it happens (before its effect), so a test can snapshot the
/// journal at that point ("the agent was killed here") or make the operation fail.
final class FakeEngine: ContainerEngine, Sendable {
    struct Instance: Sendable, Equatable {
        var spec: InstanceSpec
        var state: InstanceStatus.State
    }

    enum Operation: Sendable, Equatable {
        case ensureImage(String)
        case create(name: String, version: String)
        case start(id: String, version: String)
        case stop(id: String, version: String)
        case remove(id: String, version: String)
        case execute(id: String, version: String)
    }

    struct State {
        var instances: [String: Instance] = [:]
        var operations: [Operation] = []
        var nextID = 1
        /// Exit code of the exec health check per version (0 when missing).
        var healthExitCode: [String: Int32] = [:]
        /// Versions whose exec health check hangs until cancelled.
        var hangingHealth: Set<String> = []
        /// Versions whose create fails.
        var failingCreate: Set<String> = []
    }

    let state: Mutex<State>
    let hook: Mutex<(@Sendable (Operation) -> Void)?> = Mutex(nil)

    init(_ state: State = State()) {
        self.state = Mutex(state)
    }

    /// An independent copy of the instances (what a restarted agent's engine would report).
    func clone() -> FakeEngine {
        FakeEngine(
            state.withLock {
                State(instances: $0.instances, nextID: $0.nextID + 1000, healthExitCode: $0.healthExitCode)
            })
    }

    func setHealth(_ version: String, exitCode: Int32) { state.withLock { $0.healthExitCode[version] = exitCode } }
    func setHanging(_ version: String) { state.withLock { _ = $0.hangingHealth.insert(version) } }
    func setFailingCreate(_ version: String) { state.withLock { _ = $0.failingCreate.insert(version) } }
    var instances: [String: Instance] { state.withLock { $0.instances } }
    var operations: [Operation] { state.withLock { $0.operations } }
    func running(version: String) -> [String] {
        instances.filter { $0.value.spec.version == version && $0.value.state == .running }.map(\.key).sorted()
    }
    func all(version: String) -> [String] {
        instances.filter { $0.value.spec.version == version }.map(\.key).sorted()
    }

    /// Adds an instance as if another run created it.
    @discardableResult
    func plant(_ spec: InstanceSpec, state instanceState: InstanceStatus.State = .running) -> String {
        state.withLock { state in
            let id = "fake-\(state.nextID)"
            state.nextID += 1
            state.instances[id] = Instance(spec: spec, state: instanceState)
            return id
        }
    }

    private func record(_ operation: Operation) {
        state.withLock { $0.operations.append(operation) }
        hook.withLock { $0 }?(operation)
    }

    private func version(_ id: InstanceID) throws(ContainerEngineError) -> String {
        guard let instance = instances[id.rawValue] else { throw .noSuchInstance(id.rawValue) }
        return instance.spec.version
    }

    func ensureImage(_ reference: String) async throws(ContainerEngineError) {
        record(.ensureImage(reference))
    }

    func create(_ spec: InstanceSpec) async throws(ContainerEngineError) -> InstanceID {
        try spec.validate()
        let id = try state.withLock { state throws(ContainerEngineError) in
            if state.failingCreate.contains(spec.version) { throw .invalidSpec("no such image for \(spec.version)") }
            if state.instances.values.contains(where: { $0.spec.name == spec.name }) {
                throw .conflict("name \(spec.name) taken")
            }
            let id = "fake-\(state.nextID)"
            state.nextID += 1
            state.instances[id] = Instance(spec: spec, state: .created)
            return InstanceID(id)
        }
        record(.create(name: spec.name, version: spec.version))  // after: the instance exists when the hook sees it
        return id
    }

    func start(_ id: InstanceID) async throws(ContainerEngineError) {
        record(.start(id: id.rawValue, version: try version(id)))
        state.withLock { $0.instances[id.rawValue]?.state = .running }
    }

    func inspect(_ id: InstanceID) async throws(ContainerEngineError) -> InstanceStatus {
        guard let instance = instances[id.rawValue] else { throw .noSuchInstance(id.rawValue) }
        return status(id.rawValue, instance)
    }

    func stop(_ id: InstanceID, grace: Duration) async throws(ContainerEngineError) {
        let version = try version(id)
        state.withLock { state in
            if state.instances[id.rawValue]?.state == .running {
                state.instances[id.rawValue]?.state = .exited(code: 0)
            }
        }
        record(.stop(id: id.rawValue, version: version))  // after: the instance is stopped when the hook sees it
    }

    func remove(_ id: InstanceID) async throws(ContainerEngineError) {
        record(.remove(id: id.rawValue, version: try version(id)))
        try state.withLock { state throws(ContainerEngineError) in
            if state.instances[id.rawValue]?.state == .running { throw .conflict("\(id) is running") }
            state.instances[id.rawValue] = nil
        }
    }

    func list(labels: [String: String]) async throws(ContainerEngineError) -> [InstanceStatus] {
        instances.filter { _, instance in labels.allSatisfy { instance.spec.labels[$0.key] == $0.value } }
            .map { status($0.key, $0.value) }.sorted { $0.name < $1.name }
    }

    func execute(_ id: InstanceID, command: [String], timeout: Duration) async throws(ContainerEngineError) -> Int32 {
        let version = try version(id)
        record(.execute(id: id.rawValue, version: version))
        guard instances[id.rawValue]?.state == .running else { return 125 }
        if state.withLock({ $0.hangingHealth.contains(version) }) {
            try? await Task.sleep(for: .seconds(3600))
            throw .timedOut("cancelled")
        }
        return state.withLock { $0.healthExitCode[version] ?? 0 }
    }

    private func status(_ id: String, _ instance: Instance) -> InstanceStatus {
        InstanceStatus(
            id: InstanceID(id), name: instance.spec.name, state: instance.state, hostPort: instance.spec.port?.hostPort,
            labels: instance.spec.labels)
    }
}
