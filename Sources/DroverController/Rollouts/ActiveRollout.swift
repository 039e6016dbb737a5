import DroverAPI
import DroverRollout
import DroverStore
import DroverWire

/// One unfinished rollout the coordinator drives: its state machine, its stored row and the
/// specs of the versions it swaps hosts to (loaded from the version history on first use).
struct ActiveRollout: Sendable {
    var machine: RollingRolloutStateMachine
    var record: RolloutRecord
    var specs: [String: ServiceSpec] = [:]
    /// The plan's JSON text, encoded once (it never changes; see `RolloutState.jsonText(planJSON:)`).
    var planJSON: String?
    /// The hosts as last written to the store, to write only the ones a transition changed;
    /// `nil` when the store holds none yet (a state restored from a single JSON document).
    var persistedHosts: [RolloutHost]?
    /// Host name → position in `machine.state.hosts` (plan order never changes).
    let hostIndex: [String: Int]

    init(
        machine: RollingRolloutStateMachine, record: RolloutRecord, specs: [String: ServiceSpec] = [:],
        persistedHosts: [RolloutHost]?
    ) {
        self.machine = machine
        self.record = record
        self.specs = specs
        self.persistedHosts = persistedHosts
        var index: [String: Int] = [:]
        for (position, host) in machine.state.hosts.enumerated() { index[host.name] = position }
        hostIndex = index
    }

    var id: String { record.id }

    /// The host with this id, if it is a target.
    func host(_ id: String) -> RolloutHost? {
        guard let position = hostIndex[id] else { return nil }
        return machine.state.hosts[position]
    }

    /// The rows `state` changes: the hosts that differ from what was last written (all of
    /// them the first time).
    func changedHostStates(_ state: RolloutState) -> [RolloutHostState] {
        guard let persistedHosts, persistedHosts.count == state.hosts.count else {
            return state.hosts.map { RolloutHostState(host: $0.name, stateJSON: $0.jsonText()) }
        }
        var changed: [RolloutHostState] = []
        for (position, host) in state.hosts.enumerated() where host != persistedHosts[position] {
            changed.append(RolloutHostState(host: host.name, stateJSON: host.jsonText()))
        }
        return changed
    }

    /// Whether `commandID` was issued by this rollout (current or stale).
    func issued(_ commandID: String) -> Bool {
        commandID.hasPrefix(record.id + "/")
    }

    /// Whether `commandID` was issued by this rollout to `host` (ids are `rollout/host/attempt`):
    /// an agent speaks only for its own commands.
    func issued(_ commandID: String, to host: String) -> Bool {
        commandID.hasPrefix("\(record.id)/\(host)/") && self.host(host) != nil
    }
}
