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

/// Canary and blue-green rollouts: the same loop as rolling ones (input in, actions carried
/// out in order, persist before acting) over a ``CanaryRolloutStateMachine``.
extension RolloutCoordinator {
    /// Feeds `input` to traffic rollout `id` and carries out what it returns; returns the actions.
    @discardableResult
    func applyTraffic(
        _ input: RolloutInput, to id: String, state: inout CoordinatorState, now: Int64
    ) throws -> [TrafficRolloutAction] {
        defer { flushEvents(state: &state) }
        let actions = try applyTrafficOne(input, to: id, state: &state, now: now)
        try drainFollowUps(state: &state, now: now)
        return actions
    }

    func applyTrafficOne(
        _ input: RolloutInput, to id: String, state: inout CoordinatorState, now: Int64
    ) throws -> [TrafficRolloutAction] {
        guard var rollout = state.traffic.removeValue(forKey: id) else { return [] }
        let actions = rollout.machine.handle(input, now: now)
        guard !actions.isEmpty else {
            state.traffic[id] = rollout
            return []
        }
        for action in actions {
            switch action {
            case .persist(let persisted):
                do {
                    try persistTraffic(persisted, rollout: &rollout, now: now)
                } catch {
                    state.traffic[id] = reloadedTraffic(id, specs: rollout.specs)
                    throw error
                }
            case .canarySwap, .setWeights, .promote, .revertCanary, .revert:
                sendTraffic(action, rollout: &rollout, state: &state, now: now)
            case .notify(let notification):
                let event = RolloutText.event(notification, plan: rollout.machine.state.plan)
                state.log(id, at: now, host: event.host, event.message)
                appendEvent(
                    kind: event.kind, severity: event.warning ? .warning : .info, host: event.host,
                    message: event.message, rollout: rollout.record, now: now, state: &state)
            case .finished(let outcome):
                try finishTraffic(outcome, rollout: &rollout, state: &state, now: now)
                return actions
            }
        }
        state.traffic[id] = rollout
        return actions
    }

    /// Writes the state (one part) and, when the phase word changes, the row.
    private func persistTraffic(
        _ persisted: TrafficRolloutState, rollout: inout ActiveTrafficRollout, now: Int64
    ) throws {
        let part = RolloutPart(name: ActiveTrafficRollout.statePart, stateJSON: try Self.json(persisted))
        let phase = RolloutText.phase(persisted.phase)
        let id = rollout.id
        if phase != rollout.record.phase {
            var record = rollout.record
            record.phase = phase
            record.updatedAt = now
            try storing { () throws(StoreError) in try store.updateRollout(record, parts: [part]) }
            rollout.record = record
        } else {
            try storing { () throws(StoreError) in try store.writeRolloutParts([part], rolloutID: id) }
        }
    }

    /// The rollout as the store holds it, after a write failed; `nil` (logged) when unreadable.
    private func reloadedTraffic(_ id: String, specs: [String: ServiceSpec]) -> ActiveTrafficRollout? {
        do {
            guard let record = try store.rollout(id: id) else { return nil }
            return ActiveTrafficRollout(
                machine: CanaryRolloutStateMachine(restoring: try storedTrafficState(record)), record: record,
                specs: specs)
        } catch {
            logger.error("cannot reload a rollout after a failed write", ["rollout.id": id, "error": "\(error)"])
            return nil
        }
    }

    /// A traffic rollout's state as stored: its part while it runs, else its row's JSON.
    func storedTrafficState(_ record: RolloutRecord) throws -> TrafficRolloutState {
        if !record.isFinished {
            let id = record.id
            let parts = try storing { () throws(StoreError) in try store.rolloutParts(id: id) }
            if let part = parts.first(where: { $0.name == ActiveTrafficRollout.statePart }) {
                return try JSONDecoder().decode(TrafficRolloutState.self, from: Data(part.stateJSON.utf8))
            }
        }
        return try JSONDecoder().decode(TrafficRolloutState.self, from: Data(record.stateJSON.utf8))
    }

    /// Builds and sends (or re-sends) one command; one that finds no session is retried on the
    /// next tick and when the host is back.
    func sendTraffic(
        _ action: TrafficRolloutAction, rollout: inout ActiveTrafficRollout, state: inout CoordinatorState, now: Int64
    ) {
        guard let (hostName, commandID) = Self.target(of: action), let target = rollout.host(hostName) else { return }
        let rolloutID = rollout.id
        let service = rollout.record.service
        let attempt = state.delivered[commandID, default: 0] + 1
        let issuedAt = target.dispatchedAt ?? now
        let command: Drover_V1_Command
        do {
            switch action {
            case .canarySwap(_, let version, let weightBP, _):
                guard let spec = try spec(version, service: service, cache: &rollout.specs) else {
                    throw RolloutCoordinatorError.versionNotFound(service: service, version: version)
                }
                command = try RolloutCommandFactory.canarySwap(
                    id: commandID, attempt: attempt, rolloutID: rolloutID, service: service, version: version,
                    spec: spec, weightBP: weightBP, issuedAt: issuedAt)
            case .setWeights(_, let version, let weightBP, _):
                command = try RolloutCommandFactory.setWeights(
                    id: commandID, attempt: attempt, rolloutID: rolloutID, service: service, canaryVersion: version,
                    weightBP: weightBP, issuedAt: issuedAt)
            case .promote(_, let version, _), .revertCanary(_, let version, _), .revert(_, let version, _):
                let revert: Bool = if case .promote = action { false } else { true }
                command = try RolloutCommandFactory.swap(
                    id: commandID, attempt: attempt, rolloutID: rolloutID, service: service, version: version,
                    spec: try spec(version, service: service, cache: &rollout.specs), revert: revert,
                    issuedAt: issuedAt)
            case .persist, .notify, .finished:
                return
            }
        } catch {
            logger.error(
                "cannot build a command", ["rollout.id": rolloutID, "host.id": hostName, "error": "\(error)"])
            return
        }
        deliver(command, to: hostName, rolloutID: rolloutID, attempt: attempt, state: &state)
    }

    /// The host and command id of a command action.
    static func target(of action: TrafficRolloutAction) -> (host: String, commandID: String)? {
        switch action {
        case .canarySwap(let host, _, _, let id), .setWeights(let host, _, _, let id), .promote(let host, _, let id),
            .revertCanary(let host, _, let id), .revert(let host, _, let id):
            (host, id)
        case .persist, .notify, .finished:
            nil
        }
    }

    /// Re-sends traffic rollout command `commandID` if it is still a host's command in flight.
    /// - Returns: whether a traffic rollout issued it.
    func redeliverTraffic(_ commandID: String, state: inout CoordinatorState, now: Int64, afterRestart: Bool) -> Bool {
        guard let id = state.traffic.first(where: { $0.value.issued(commandID) })?.key,
            var rollout = state.traffic.removeValue(forKey: id)
        else { return false }
        defer { state.traffic[id] = rollout }
        guard let action = rollout.machine.redeliveries().first(where: { Self.target(of: $0)?.commandID == commandID })
        else {
            state.undelivered.remove(commandID)
            return true
        }
        if afterRestart { state.delivered[commandID] = max(state.delivered[commandID, default: 0], 1) }
        sendTraffic(action, rollout: &rollout, state: &state, now: now)
        return true
    }

    /// Records the outcome, sets the service's current version and sends `CONFIRM` to the hosts.
    func finishTraffic(
        _ outcome: RolloutOutcome, rollout: inout ActiveTrafficRollout, state: inout CoordinatorState, now: Int64
    ) throws {
        let machineState = rollout.machine.state
        let plan = machineState.plan
        let settled: String? =
            switch outcome {
            case .succeeded: plan.toVersion
            case .rolledBack(let report): report.targetVersion
            case .aborted, .failed: nil
            }
        rollout.record.stateJSON = try Self.json(machineState)
        rollout.record.phase = RolloutText.phase(machineState.phase)
        rollout.record.outcome = RolloutText.outcome(
            outcome, service: plan.service, toVersion: plan.toVersion, hostCount: plan.hosts.count)
        // Every touched host hears that the rollout is over; those on the settled version
        // record it as known-good.
        let confirms = machineState.hosts.filter(\.touched).map { host -> (host: String, version: String?) in
            let onSettled =
                switch host.status {
                case .promoted: settled == plan.toVersion
                case .reverted: settled == plan.fromVersion
                default: false
                }
            return (host.name, onSettled ? settled : nil)
        }
        try recordFinished(
            outcome, record: &rollout.record, report: RolloutText.report(outcome) ?? machineState.rollback,
            settled: settled, confirms: confirms, state: &state, now: now)
    }

    /// Finishes, starts or re-delivers a traffic rollout just restored from the store.
    func continueRestoredTraffic(_ id: String, state: inout CoordinatorState, now: Int64) throws {
        guard var rollout = state.traffic[id] else { return }
        if let outcome = rollout.machine.outcome {
            state.traffic[id] = nil
            try finishTraffic(outcome, rollout: &rollout, state: &state, now: now)
            return
        }
        if rollout.machine.state.phase == .notStarted {
            try applyTraffic(.start, to: id, state: &state, now: now)
            return
        }
        for action in rollout.machine.redeliveries() {
            guard let commandID = Self.target(of: action)?.commandID else { continue }
            _ = redeliverTraffic(commandID, state: &state, now: now, afterRestart: true)
        }
        logger.notice("resumed rollout", ["rollout.id": id])
    }
}
