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
    /// The rollback report's JSON text, with the report it encodes (reused while unchanged).
    var rollbackJSON: (report: RollbackReport, text: String)?
    /// Whether the store has a row for every host; `false` for a state restored from a single
    /// JSON document (written before host rows existed): the next transition writes them all.
    var rowsWritten: Bool
    /// Host name → position in `machine.state.hosts` (plan order never changes).
    let hostIndex: [String: Int]

    init(
        machine: RollingRolloutStateMachine, record: RolloutRecord, specs: [String: ServiceSpec] = [:],
        rowsWritten: Bool
    ) {
        self.machine = machine
        self.record = record
        self.specs = specs
        self.rowsWritten = rowsWritten
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

    /// The state's JSON text without its hosts, reusing the plan's and the report's text.
    mutating func headerJSON(_ state: RolloutState) throws -> String {
        if planJSON == nil { planJSON = try state.planJSONText() }
        if let report = state.rollback, rollbackJSON?.report != report, let text = try state.rollbackJSONText() {
            rollbackJSON = (report, text)
        }
        let reusable = state.rollback != nil && rollbackJSON?.report == state.rollback ? rollbackJSON?.text : nil
        return try state.jsonText(planJSON: planJSON, rollbackJSON: reusable, includeHosts: false)
    }

    /// The rows a persisted `state` changes: the hosts the machine changed since the last
    /// write (every host while ``rowsWritten`` is `false`).
    mutating func changedHostStates(_ state: RolloutState) -> [RolloutHostState] {
        let positions = machine.takeChangedHosts()
        guard rowsWritten else { return state.hosts.map { RolloutHostState(host: $0.name, stateJSON: $0.jsonText()) } }
        return positions.map { RolloutHostState(host: state.hosts[$0].name, stateJSON: state.hosts[$0].jsonText()) }
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
