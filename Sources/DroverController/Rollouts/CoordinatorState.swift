import DroverAPI
import DroverRollout
import DroverStore
import DroverWire

/// What the coordinator keeps in memory, behind its lock.
struct CoordinatorState: Sendable {
    /// Unfinished rolling rollouts by id.
    var active: [String: ActiveRollout] = [:]
    /// Unfinished canary and blue-green rollouts by id.
    var traffic: [String: ActiveTrafficRollout] = [:]
    /// Progress logs by rollout id (this controller run), oldest first, bounded.
    var progress: [String: [RolloutLogEntry]] = [:]
    /// The last progress step each host's agent reported, by rollout id then host.
    var steps: [String: [String: String]] = [:]
    /// Command id → deliveries that reached a live session (the next one's `attempt` is one more).
    var delivered: [String: Int] = [:]
    /// Current commands that could not be handed to a session; tried again on each tick.
    var undelivered: Set<String> = []
    /// Command ids whose result was already applied (a result arrives again after reconnects).
    var resultsApplied: Set<String> = []
    /// `CONFIRM` commands not yet handed to a session, by host.
    var pendingConfirms: [String: [Drover_V1_Command]] = [:]

    /// Hosts whose latest forward command failed, by rollout: the agent removed the new
    /// instances and left what ran before, so a first deploy left nothing there to stop.
    var failedHosts: [String: Set<String>] = [:]
    /// Rollout events not yet written: written in one transaction when the current call is
    /// done (a tick that finishes 100 hosts writes their 100 events with one commit).
    var pendingEvents: [NewEvent] = []
    /// Inputs the coordinator feeds itself, handled right after the current one.
    var followUps: [(rolloutID: String, input: RolloutInput)] = []

    /// Whether a rollout of `service` is unfinished, and its id.
    func activeRollout(of service: String) -> String? {
        active.values.first(where: { $0.record.service == service })?.id
            ?? traffic.values.first(where: { $0.record.service == service })?.id
    }

    /// The longest progress log kept per rollout.
    static let progressLimit = 500

    mutating func log(_ rolloutID: String, at: Int64, host: String?, _ message: String) {
        // In place: copying the log out and back would copy it on every line.
        progress[rolloutID, default: []].append(RolloutLogEntry(at: at, host: host, message: message))
        if let count = progress[rolloutID]?.count, count > Self.progressLimit {
            progress[rolloutID]?.removeFirst(count - Self.progressLimit)
        }
    }

    /// Forgets what only a running rollout needs (its log lives on in the event log).
    mutating func forget(_ rolloutID: String) {
        active[rolloutID] = nil
        traffic[rolloutID] = nil
        steps[rolloutID] = nil
        progress[rolloutID] = nil
        failedHosts[rolloutID] = nil
        let prefix = rolloutID + "/"
        delivered = delivered.filter { !$0.key.hasPrefix(prefix) }
        undelivered = undelivered.filter { !$0.hasPrefix(prefix) }
        resultsApplied = resultsApplied.filter { !$0.hasPrefix(prefix) }
    }
}
