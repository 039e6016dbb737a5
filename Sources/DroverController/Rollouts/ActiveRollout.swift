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
    /// The rollback report as last written to the store.
    var writtenRollback: RollbackReport?
    /// Whether the store holds the state in parts; `false` for a state restored from a single
    /// JSON document (written before parts existed): the next transition writes every part.
    var partsWritten: Bool
    /// Host name → position in `machine.state.hosts` (plan order never changes).
    let hostIndex: [String: Int]

    init(
        machine: RollingRolloutStateMachine, record: RolloutRecord, specs: [String: ServiceSpec] = [:],
        partsWritten: Bool
    ) {
        self.machine = machine
        self.record = record
        self.specs = specs
        self.partsWritten = partsWritten
        self.writtenRollback = partsWritten ? machine.state.rollback : nil
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

    /// The plan's JSON text, encoded on first use.
    mutating func planText(_ state: RolloutState) throws -> String {
        if let planJSON { return planJSON }
        let text = try state.planJSONText()
        planJSON = text
        return text
    }

    /// The parts a persisted `state` changes: its progress, the hosts the machine changed since
    /// the last write and the rollback report if it changed (every part while ``partsWritten``
    /// is `false`). Call ``partsStored(_:)`` once they are written.
    mutating func changedParts(_ state: RolloutState) throws -> [RolloutPart] {
        let positions = machine.takeChangedHosts()
        guard partsWritten else { return try RolloutStateParts.all(state, planJSON: planText(state)) }
        var parts = [try RolloutStateParts.progress(state)]
        if state.rollback != writtenRollback, let rollback = try RolloutStateParts.rollback(state) {
            parts.append(rollback)
        }
        parts += positions.map { RolloutStateParts.host(state.hosts[$0]) }
        return parts
    }

    /// Records that `state`'s parts are in the store.
    mutating func partsStored(_ state: RolloutState) {
        partsWritten = true
        writtenRollback = state.rollback
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
