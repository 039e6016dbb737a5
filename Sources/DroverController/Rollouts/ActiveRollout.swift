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

    var id: String { record.id }

    /// The host with this id, if it is a target.
    func host(_ id: String) -> RolloutHost? {
        machine.state.hosts.first { $0.name == id }
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
