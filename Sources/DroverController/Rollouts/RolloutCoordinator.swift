import DroverRollout
import DroverSession
import DroverStore
import DroverWire
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The controller's rollout engine: turns operator requests, agents' answers, host liveness and
/// the clock into inputs of each rollout's ``RollingRolloutStateMachine`` and carries out the
/// actions it returns, in order, persisting before acting.
///
/// - Inputs: ``deploy(specText:fileName:)`` and the other operator calls; agents' answers through
///   ``AgentCommandSink``; host liveness through ``InventoryTransitionObserver`` (or
///   ``hostLost(_:)``/``hostBack(_:)``); ``tick()`` from the daemon's 1 s clock.
/// - Effects: rows in the store (service versions, rollouts, events), `COMMAND`s through the
///   ``CommandDispatcher``, and an in-memory progress log.
///
/// A lock, not an actor: the inventory reports transitions synchronously and every effect
/// (SQLite, a queued frame) is short. Time comes from `now`, so tests drive minutes in
/// milliseconds. After a restart, ``resume()`` restores unfinished rollouts from the store and
/// re-delivers their outstanding commands (agents treat a repeated id as a no-op).
public final class RolloutCoordinator: Sendable {
    let store: any StateStore
    let dispatcher: any CommandDispatcher
    let availability: any HostAvailability
    let now: @Sendable () -> Int64
    let logger: DroverLogger
    let state = Mutex(CoordinatorState())

    /// A coordinator over `store`, sending through `dispatcher`, choosing among `availability`'s
    /// ready hosts. Call ``resume()`` once before anything else.
    public init(
        store: any StateStore,
        dispatcher: any CommandDispatcher,
        availability: any HostAvailability,
        now: @escaping @Sendable () -> Int64 = { UnixTime.nowMillis() },
        logger: DroverLogger = DroverLogger(label: "drover.controller.rollouts")
    ) {
        self.store = store
        self.dispatcher = dispatcher
        self.availability = availability
        self.now = now
        self.logger = logger
    }

    // MARK: - Clock and restart

    /// Time passed: feeds `tick` to every unfinished rollout and retries commands that found no
    /// session. The daemon calls it every second.
    public func tick() {
        let now = self.now()
        state.withLock { state in
            for id in state.active.keys.sorted() + state.traffic.keys.sorted() {
                do {
                    _ = try apply(.tick, to: id, state: &state, now: now)
                } catch {
                    logger.error("rollout tick failed", ["rollout.id": id, "error": "\(error)"])
                }
            }
            for commandID in state.undelivered.sorted() {
                redeliver(commandID, state: &state, now: now)
            }
            do {
                try drainFollowUps(state: &state, now: now)
            } catch {
                logger.error("rollout follow-up failed", ["error": "\(error)"])
            }
        }
    }

    /// The earliest instant (Unix milliseconds) a ``tick()`` could change a rollout, or `nil`
    /// when nothing is timed. The daemon's rollout clock sleeps until then (at most a second),
    /// so hosts finish `min_healthy_time` on time rather than on the next whole-second tick.
    public func nextDueAt() -> Int64? {
        state.withLock { state in
            let due =
                state.active.values.compactMap(\.machine.nextDueAt)
                + state.traffic.values.compactMap(\.machine.nextDueAt)
            // Commands waiting for a session are retried every second.
            return state.undelivered.isEmpty ? due.min() : (due + [now() + 1_000]).min()
        }
    }

    /// Loads unfinished rollouts from the store, restores their state machines and re-delivers
    /// their outstanding commands, so a restarted controller continues where it was.
    ///
    /// - Returns: the ids of the rollouts resumed.
    @discardableResult
    public func resume() throws -> [String] {
        let now = self.now()
        let records = try storing { () throws(StoreError) in
            try store.listRollouts(RolloutQuery(activeOnly: true, limit: 10_000))
        }
        return state.withLock { state in
            var resumed: [String] = []
            for record in records.sorted(by: { $0.createdAt < $1.createdAt })
            where state.active[record.id] == nil && state.traffic[record.id] == nil {
                if record.strategy != .rolling {
                    if resumeTraffic(record, state: &state, now: now) { resumed.append(record.id) }
                    continue
                }
                let restored: RolloutState
                let fromParts: Bool
                do {
                    (restored, fromParts) = try storedState(record)
                } catch {
                    logger.error(
                        "cannot restore rollout: its stored state does not decode",
                        ["rollout.id": record.id, "error": "\(error)"])
                    continue
                }
                let machine = RollingRolloutStateMachine(restoring: restored)
                state.active[record.id] = ActiveRollout(machine: machine, record: record, partsWritten: fromParts)
                state.log(
                    record.id, at: now, host: nil,
                    "controller restarted; resuming (\(RolloutText.phase(restored.phase)))")
                resumed.append(record.id)
                // One rollout that cannot continue must not keep the others (or the controller) down.
                do {
                    try continueRestored(record.id, machine: machine, state: &state, now: now)
                } catch {
                    logger.error("cannot resume rollout", ["rollout.id": record.id, "error": "\(error)"])
                }
            }
            do {
                try drainFollowUps(state: &state, now: now)
            } catch {
                logger.error("rollout follow-up failed", ["error": "\(error)"])
            }
            return resumed
        }
    }

    /// Restores a canary or blue-green rollout; `false` (logged) when its state does not decode.
    private func resumeTraffic(_ record: RolloutRecord, state: inout CoordinatorState, now: Int64) -> Bool {
        let restored: TrafficRolloutState
        do {
            restored = try storedTrafficState(record)
        } catch {
            logger.error(
                "cannot restore rollout: its stored state does not decode",
                ["rollout.id": record.id, "error": "\(error)"])
            return false
        }
        state.traffic[record.id] = ActiveTrafficRollout(
            machine: CanaryRolloutStateMachine(restoring: restored), record: record)
        state.log(
            record.id, at: now, host: nil, "controller restarted; resuming (\(RolloutText.phase(restored.phase)))")
        do {
            try continueRestoredTraffic(record.id, state: &state, now: now)
        } catch {
            logger.error("cannot resume rollout", ["rollout.id": record.id, "error": "\(error)"])
        }
        return true
    }

    /// A rollout's state as stored: assembled from its parts while it runs
    /// (``RolloutStateParts``); otherwise its row's JSON, whole. `fromParts` is `false` for a
    /// state stored whole (finished, or written by a controller before parts existed).
    func storedState(_ record: RolloutRecord) throws -> (state: RolloutState, fromParts: Bool) {
        if !record.isFinished {
            let id = record.id
            let parts = try storing { () throws(StoreError) in try store.rolloutParts(id: id) }
            if !parts.isEmpty { return (try RolloutStateParts.assemble(parts, rolloutID: id), true) }
        }
        return (try JSONDecoder().decode(RolloutState.self, from: Data(record.stateJSON.utf8)), false)
    }

    /// Finishes, starts or re-delivers a rollout just restored from the store.
    private func continueRestored(
        _ id: String, machine: RollingRolloutStateMachine, state: inout CoordinatorState, now: Int64
    ) throws {
        if let outcome = machine.outcome, var rollout = state.active[id] {
            // Persisted as finished but not yet recorded as such: finish it now.
            try finish(outcome, rollout: &rollout, state: &state, now: now)
            return
        }
        if machine.state.phase == .notStarted {
            try apply(.start, to: id, state: &state, now: now)
            return
        }
        for action in machine.redeliveries() {
            switch action {
            case .swap(_, _, let commandID), .revert(_, _, let commandID):
                redeliver(commandID, state: &state, now: now, afterRestart: true)
            case .persist, .notify, .finished:
                break
            }
        }
        logger.notice("resumed rollout", ["rollout.id": id])
    }

    // MARK: - Carrying out actions

    /// Feeds `input` to rollout `id` and carries out what it returns; returns the actions.
    /// Nothing is carried out (and the machine keeps its old state) if the persist fails.
    @discardableResult
    func apply(
        _ input: RolloutInput, to id: String, state: inout CoordinatorState, now: Int64
    ) throws -> [RolloutAction] {
        defer { flushEvents(state: &state) }
        let actions = try applyOne(input, to: id, state: &state, now: now)
        try drainFollowUps(state: &state, now: now)
        return actions
    }

    /// Handles the inputs the coordinator queued for itself while carrying out actions.
    func drainFollowUps(state: inout CoordinatorState, now: Int64) throws {
        defer { flushEvents(state: &state) }
        while !state.followUps.isEmpty {
            let next = state.followUps.removeFirst()
            _ = try applyOne(next.input, to: next.rolloutID, state: &state, now: now)
        }
    }

    private func applyOne(
        _ input: RolloutInput, to id: String, state: inout CoordinatorState, now: Int64
    ) throws -> [RolloutAction] {
        if state.traffic[id] != nil {
            _ = try applyTrafficOne(input, to: id, state: &state, now: now)
            return []
        }
        // Taken out of the map so the machine's state is uniquely referenced: it changes in
        // place instead of being copied (with every host) on each input.
        guard var rollout = state.active.removeValue(forKey: id) else { return [] }
        let actions = rollout.machine.handle(input, now: now)
        guard !actions.isEmpty else {
            state.active[id] = rollout
            return []
        }
        for action in actions {
            switch action {
            case .persist(let persisted):
                // The state is stored in parts: a transition writes its progress and what it
                // changed (see RolloutStateParts), and the row only when the phase changes.
                do {
                    let parts = try rollout.changedParts(persisted)
                    let phase = RolloutText.phase(persisted.phase)
                    if phase != rollout.record.phase {
                        rollout.record.phase = phase
                        rollout.record.updatedAt = now
                        let record = rollout.record
                        try storing { () throws(StoreError) in try store.updateRollout(record, parts: parts) }
                    } else {
                        try storing { () throws(StoreError) in try store.writeRolloutParts(parts, rolloutID: id) }
                    }
                } catch {
                    // Nothing is carried out, and the machine goes back to what the store holds.
                    state.active[id] = reloaded(id, specs: rollout.specs)
                    throw error
                }
                rollout.partsStored(persisted)
            case .swap(let host, let version, let commandID):
                send(commandID, host: host, version: version, rollout: &rollout, state: &state, now: now)
            case .revert(let host, let version, let commandID):
                send(commandID, host: host, version: version, rollout: &rollout, state: &state, now: now)
            case .notify(let notification):
                record(notification, rollout: rollout, state: &state, now: now)
            case .finished(let outcome):
                try finish(outcome, rollout: &rollout, state: &state, now: now)
                return actions
            }
        }
        state.active[id] = rollout
        return actions
    }

    /// The rollout as the store holds it, after a write failed; `nil` (logged) when even that
    /// cannot be read: it is then resumed by the next controller start.
    private func reloaded(_ id: String, specs: [String: ServiceSpec]) -> ActiveRollout? {
        do {
            guard let record = try store.rollout(id: id) else { return nil }
            let (restored, fromParts) = try storedState(record)
            return ActiveRollout(
                machine: RollingRolloutStateMachine(restoring: restored), record: record, specs: specs,
                partsWritten: fromParts)
        } catch {
            logger.error("cannot reload a rollout after a failed write", ["rollout.id": id, "error": "\(error)"])
            return nil
        }
    }

    /// Sends (or re-sends) a swap or revert command; one that finds no session is retried on
    /// the next tick and when the host is back.
    func send(
        _ commandID: String, host: String, version: String, rollout: inout ActiveRollout,
        state: inout CoordinatorState, now: Int64
    ) {
        guard let target = rollout.host(host) else { return }
        if version == RolloutCommandFactory.noVersion, state.failedHosts[rollout.id]?.contains(host) == true {
            // Back to "nothing" where the first version never came up: the agent already removed
            // it, so the revert is done without a command.
            state.log(
                rollout.id, at: now, host: host,
                "\(host): nothing to stop, the failed first version was removed by the agent")
            state.followUps.append((rollout.id, .host(host, .instanceHealthy(commandID: commandID))))
            return
        }
        let attempt = state.delivered[commandID, default: 0] + 1
        let command: Drover_V1_Command
        do {
            let spec = try self.spec(version, rollout: &rollout)
            // A rollback-kind rollout moves hosts forward with revert semantics.
            let revert = target.status == .reverting || rollout.record.kind == .rollback
            command = try RolloutCommandFactory.swap(
                id: commandID, attempt: attempt, rolloutID: rollout.id, service: rollout.record.service,
                version: version,
                spec: spec, revert: revert, issuedAt: target.dispatchedAt ?? now)
        } catch {
            logger.error("cannot build a command", ["rollout.id": rollout.id, "host.id": host, "error": "\(error)"])
            return
        }
        state.active[rollout.id] = rollout
        deliver(command, to: host, rolloutID: rollout.id, attempt: attempt, state: &state)
    }

    /// Hands a command to the host's session; one that finds none is tried again on each tick
    /// and when the host is back.
    func deliver(
        _ command: Drover_V1_Command, to host: String, rolloutID: String, attempt: Int, state: inout CoordinatorState
    ) {
        if dispatcher.send(command, to: host) {
            state.delivered[command.id] = attempt
            state.undelivered.remove(command.id)
        } else if state.undelivered.insert(command.id).inserted {
            logger.info(
                "no session for the host; the command is sent when it is back",
                ["rollout.id": rolloutID, "host.id": host, "command.id": command.id])
        }
    }

    /// Re-sends `commandID` (same id, next attempt) if it is still a host's current command in
    /// flight; forgets it otherwise.
    func redeliver(_ commandID: String, state: inout CoordinatorState, now: Int64, afterRestart: Bool = false) {
        if redeliverTraffic(commandID, state: &state, now: now, afterRestart: afterRestart) { return }
        guard var rollout = state.active.values.first(where: { $0.issued(commandID) }),
            let host = rollout.machine.state.hosts.first(where: { $0.commandID == commandID }),
            host.status == .swapping || host.status == .reverting
        else {
            state.undelivered.remove(commandID)
            return
        }
        // After a restart the first delivery may or may not have happened: count it as done.
        if afterRestart { state.delivered[commandID] = max(state.delivered[commandID, default: 0], 1) }
        send(commandID, host: host.name, version: host.version, rollout: &rollout, state: &state, now: now)
    }

    /// The spec of `version`, from the rollout's cache or the version history; `nil` for the
    /// version before the first deploy.
    func spec(_ version: String, rollout: inout ActiveRollout) throws -> ServiceSpec? {
        try spec(version, service: rollout.record.service, cache: &rollout.specs)
    }

    /// The spec of `version` of `service`, from `cache` or the version history (then cached);
    /// `nil` for the version before the first deploy.
    func spec(_ version: String, service: String, cache: inout [String: ServiceSpec]) throws -> ServiceSpec? {
        if version == RolloutCommandFactory.noVersion { return nil }
        if let spec = cache[version] { return spec }
        guard
            let stored = try storing({ () throws(StoreError) in
                try store.serviceVersion(service: service, version: version)
            })
        else {
            throw RolloutCoordinatorError.versionNotFound(service: service, version: version)
        }
        let spec = try JSONDecoder().decode(ServiceSpec.self, from: Data(stored.specJSON.utf8))
        cache[version] = spec
        return spec
    }

    /// Writes a notification to the event log and the progress log.
    func record(_ notification: RolloutNotification, rollout: ActiveRollout, state: inout CoordinatorState, now: Int64)
    {
        let plan = rollout.machine.state.plan
        let event = RolloutText.event(notification, plan: plan)
        state.log(rollout.id, at: now, host: event.host, event.message)
        appendEvent(
            kind: event.kind, severity: event.warning ? .warning : .info, host: event.host, message: event.message,
            rollout: rollout.record, now: now, state: &state)
    }

    /// Records the outcome, sets the service's current version and sends `CONFIRM` to the hosts.
    func finish(
        _ outcome: RolloutOutcome, rollout: inout ActiveRollout, state: inout CoordinatorState, now: Int64
    ) throws {
        let machineState = rollout.machine.state
        let current: String? =
            switch outcome {
            case .succeeded: machineState.plan.toVersion
            case .rolledBack(let report): report.targetVersion
            case .aborted, .failed: nil
            }
        let settled = current == RolloutCommandFactory.noVersion ? nil : current
        rollout.record.stateJSON = try machineState.jsonText(planJSON: rollout.planText(machineState))
        rollout.record.phase = RolloutText.phase(machineState.phase)
        rollout.record.outcome = RolloutText.outcome(outcome, plan: machineState.plan)
        // Every host on the settled version records it as known-good; every other host the
        // rollout touched hears that it is over (an empty version), which confirms its results.
        let confirms = machineState.hosts.compactMap { host -> (host: String, version: String?)? in
            let confirmed = settled.flatMap { host.version == $0 && host.status != .stuck ? $0 : nil }
            return confirmed != nil || host.touched ? (host.name, confirmed) : nil
        }
        try recordFinished(
            outcome, record: &rollout.record, report: RolloutText.report(outcome) ?? machineState.rollback,
            settled: settled, confirms: confirms, state: &state, now: now)
    }

    /// Writes a finished rollout's row (its `stateJSON`, `phase` and `outcome` already set) with
    /// the service's new current version, logs it, forgets the rollout and sends each host in
    /// `confirms` its `CONFIRM` (`nil` version: the rollout is over, nothing is known-good).
    func recordFinished(
        _ outcome: RolloutOutcome, record: inout RolloutRecord, report: RollbackReport?, settled: String?,
        confirms: [(host: String, version: String?)], state: inout CoordinatorState, now: Int64
    ) throws {
        record.updatedAt = now
        record.finishedAt = now
        record.rollbackDurationMs = report?.durationMilliseconds
        record.reportJSON = try report.map(Self.json)
        let finished = record
        try storing { () throws(StoreError) in try store.finishRollout(finished, currentVersion: settled) }
        let message = "rollout \(finished.phase): \(finished.outcome ?? "")"
        state.log(finished.id, at: now, host: nil, message)
        let failed: Bool = if case .failed = outcome { true } else { false }
        appendEvent(
            kind: "rollout.finished", severity: failed ? .error : .info, host: nil, message: message, rollout: finished,
            now: now, state: &state)
        logger.notice(message, ["rollout.id": finished.id, "service": finished.service])
        state.forget(finished.id)
        for (host, version) in confirms {
            do {
                let command = try RolloutCommandFactory.confirm(
                    id: "\(finished.id)/\(host)/confirm", service: finished.service, version: version ?? "", now: now)
                if !dispatcher.send(command, to: host) {
                    state.pendingConfirms[host, default: []].append(command)
                }
            } catch {
                logger.error("cannot build a confirm command", ["rollout.id": finished.id, "error": "\(error)"])
            }
        }
    }

    /// Queues a `rollout.*` event; ``flushEvents(state:)`` writes the queue.
    func appendEvent(
        kind: String, severity: EventSeverity, host: String?, message: String, rollout: RolloutRecord, now: Int64,
        state: inout CoordinatorState
    ) {
        var details = ["rollout.id": rollout.id, "service": rollout.service]
        if let host { details["host"] = host }
        state.pendingEvents.append(
            NewEvent(at: now, kind: kind, severity: severity, hostID: host, message: message, details: details))
    }

    /// Writes the queued rollout events in one transaction; a failure is logged, not thrown
    /// (the rollout goes on; the progress log still has the lines).
    func flushEvents(state: inout CoordinatorState) {
        guard !state.pendingEvents.isEmpty else { return }
        let events = state.pendingEvents
        state.pendingEvents.removeAll(keepingCapacity: true)
        do {
            try store.appendEvents(events)
        } catch {
            logger.warning("cannot record rollout events", ["events": "\(events.count)", "error": "\(error)"])
        }
    }

    // MARK: - Helpers

    /// Runs a store call, wrapping its error as ``RolloutCoordinatorError/store(_:)``.
    func storing<T>(_ body: () throws(StoreError) -> T) throws(RolloutCoordinatorError) -> T {
        do {
            return try body()
        } catch {
            throw .store(error)
        }
    }

    /// JSON text of a value (sorted keys: the same value always gives the same text).
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
