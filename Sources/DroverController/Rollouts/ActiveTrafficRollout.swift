import DroverRollout
import DroverStore

/// One unfinished canary or blue-green rollout the coordinator drives: its state machine (the
/// blue-green strategy is the canary machinery with a two-step plan, see
/// ``BlueGreenRolloutStateMachine``), its stored row and the specs of its two versions.
///
/// Its state is stored whole, as one part named ``statePart``, on every transition: the state
/// holds the latest traffic counters of each host, so most transitions change it anyway.
struct ActiveTrafficRollout: Sendable {
    var machine: CanaryRolloutStateMachine
    var record: RolloutRecord
    var specs: [String: ServiceSpec] = [:]
    /// Host name → position in `machine.state.hosts` (plan order never changes).
    let hostIndex: [String: Int]

    /// The name of the part holding the state while the rollout runs.
    static let statePart = "traffic"

    init(machine: CanaryRolloutStateMachine, record: RolloutRecord, specs: [String: ServiceSpec] = [:]) {
        self.machine = machine
        self.record = record
        self.specs = specs
        var index: [String: Int] = [:]
        for (position, host) in machine.state.hosts.enumerated() { index[host.name] = position }
        hostIndex = index
    }

    var id: String { record.id }

    /// The host with this id, if it is a target.
    func host(_ id: String) -> TrafficHost? {
        guard let position = hostIndex[id] else { return nil }
        return machine.state.hosts[position]
    }

    /// Whether `commandID` was issued by this rollout (current or stale).
    func issued(_ commandID: String) -> Bool {
        commandID.hasPrefix(record.id + "/")
    }

    /// Whether `commandID` was issued by this rollout to `host`.
    func issued(_ commandID: String, to host: String) -> Bool {
        commandID.hasPrefix("\(record.id)/\(host)/") && self.host(host) != nil
    }

    /// Whether the host's current command is in flight (an answer is awaited).
    static func inFlight(_ host: TrafficHost) -> Bool {
        switch host.status {
        case .swapping, .weighting, .promoting, .reverting: true
        case .pending, .live, .promoted, .reverted, .stuck: false
        }
    }
}
