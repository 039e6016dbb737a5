import DroverInventory
import DroverRollout
import DroverSession
import DroverStore
import DroverWire
import Synchronization

/// Agents' answers and host liveness become host events of the rollout that issued the command.
extension RolloutCoordinator: AgentCommandSink, InventoryTransitionObserver {
    public func commandAcknowledged(hostID: String, _ ack: Drover_V1_CommandAck) async {
        acknowledged(hostID: hostID, ack)
    }

    public func commandProgress(hostID: String, _ progress: Drover_V1_CommandProgress) async {
        let now = self.now()
        state.withLock { state in
            guard
                let rolloutID = state.active.values.first(where: { $0.issued(progress.commandID, to: hostID) })?.id
                    ?? state.traffic.values.first(where: { $0.issued(progress.commandID, to: hostID) })?.id
            else {
                return
            }
            let text = progress.message.isEmpty ? progress.step : "\(progress.step): \(progress.message)"
            state.log(rolloutID, at: now, host: hostID, "\(text) (\(progress.percent)%)")
            if !progress.step.isEmpty { state.steps[rolloutID, default: [:]][hostID] = progress.step }
        }
    }

    public func commandResult(hostID: String, _ result: Drover_V1_CommandResult) async {
        received(hostID: hostID, result)
    }

    public func commandFailed(hostID: String, commandID: String, reason: String) async {
        failed(hostID: hostID, commandID: commandID, reason: reason)
    }

    /// `ACCEPTED` → the swap started; `DUPLICATE` with a result → that result; `REJECTED` → the swap failed.
    public func acknowledged(hostID: String, _ ack: Drover_V1_CommandAck) {
        switch ack.status {
        case .accepted:
            hostEvent(hostID: hostID, commandID: ack.commandID, .swapStarted(commandID: ack.commandID))
        case .duplicate:
            if ack.hasResult {
                received(hostID: hostID, ack.result)
            } else {
                hostEvent(hostID: hostID, commandID: ack.commandID, .swapStarted(commandID: ack.commandID))
            }
        case .rejected:
            let reason = ack.reason.isEmpty ? "the agent rejected the command" : "rejected by the agent: \(ack.reason)"
            hostEvent(hostID: hostID, commandID: ack.commandID, .swapFailed(commandID: ack.commandID, reason: reason))
        case .unspecified, .UNRECOGNIZED:
            logger.warning(
                "command answer with an unknown status ignored", ["host.id": hostID, "command.id": ack.commandID])
        }
    }

    /// A command's result, applied once per command id: succeeded → healthy; failed with
    /// `observed`/`threshold` → unhealthy; any other end → the swap failed.
    ///
    /// The agent keeps re-sending a result after reconnects until it is confirmed; the
    /// `CONFIRM` each touched host gets when the rollout ends confirms them all (§7.3), so no
    /// command is delivered again just to confirm its result.
    public func received(hostID: String, _ result: Drover_V1_CommandResult) {
        let id = result.commandID
        let event: HostEvent
        switch result.outcome {
        case .succeeded:
            event = .instanceHealthy(commandID: id)
        case .failed where result.details["observed"] != nil || result.details["threshold"] != nil:
            event = .instanceUnhealthy(
                commandID: id, observed: result.details["observed"] ?? result.message,
                threshold: result.details["threshold"] ?? "the spec's health check")
        case .failed:
            event = .swapFailed(commandID: id, reason: result.message.isEmpty ? "the swap failed" : result.message)
        case .timedOut:
            event = .swapFailed(
                commandID: id,
                reason: "the command's deadline passed on the agent"
                    + (result.message.isEmpty ? "" : ": \(result.message)"))
        case .cancelled:
            event = .swapFailed(
                commandID: id,
                reason: "the command was cancelled on the agent" + (result.message.isEmpty ? "" : ": \(result.message)")
            )
        case .unspecified, .UNRECOGNIZED:
            logger.warning("command result with an unknown outcome ignored", ["host.id": hostID, "command.id": id])
            return
        }
        hostEvent(hostID: hostID, commandID: id, event, isResult: true)
    }

    /// A command did not reach the agent (or was answered with an error): re-sent on the next tick.
    public func failed(hostID: String, commandID: String, reason: String) {
        state.withLock { state in
            let rolloutID: String
            if let rollout = state.active.values.first(where: { $0.issued(commandID, to: hostID) }),
                rollout.host(hostID)?.commandID == commandID
            {
                rolloutID = rollout.id
            } else if let rollout = state.traffic.values.first(where: { $0.issued(commandID, to: hostID) }),
                rollout.host(hostID)?.commandID == commandID
            {
                rolloutID = rollout.id
            } else {
                return
            }
            state.undelivered.insert(commandID)
            logger.info(
                "command not delivered; re-sending on the next tick",
                [
                    "rollout.id": rolloutID, "host.id": hostID, "command.id": commandID, "reason": reason,
                ])
        }
    }

    /// The host stopped reporting: every rollout that targets it hears so.
    public func hostLost(_ hostID: String) {
        let now = self.now()
        state.withLock { state in
            for id in rollouts(targeting: hostID, state: state) {
                do {
                    try apply(.host(hostID, .hostLost), to: id, state: &state, now: now)
                } catch {
                    logger.error("rollout input failed", ["rollout.id": id, "host.id": hostID, "error": "\(error)"])
                }
            }
        }
    }

    /// Ids of the unfinished rollouts (of either family) that target `hostID`, sorted.
    private func rollouts(targeting hostID: String, state: CoordinatorState) -> [String] {
        (state.active.keys.filter { state.active[$0]?.host(hostID) != nil }
            + state.traffic.keys.filter { state.traffic[$0]?.host(hostID) != nil }).sorted()
    }

    /// The host reports again (perhaps on a new session): every rollout that targets it hears
    /// so, and its outstanding command is delivered again (same id, next attempt), as are
    /// confirmations it missed.
    public func hostBack(_ hostID: String) {
        let now = self.now()
        state.withLock { state in
            for id in state.active.keys.sorted() where state.active[id]?.host(hostID) != nil {
                do {
                    let before = state.delivered
                    let actions = try apply(.host(hostID, .hostBack), to: id, state: &state, now: now)
                    let resent = actions.contains { action in
                        switch action {
                        case .swap(let host, _, let commandID), .revert(let host, _, let commandID):
                            host == hostID && state.delivered[commandID] != before[commandID]
                        default: false
                        }
                    }
                    if !resent, let current = state.active[id]?.host(hostID)?.commandID {
                        redeliver(current, state: &state, now: now)
                        try drainFollowUps(state: &state, now: now)
                    }
                } catch {
                    logger.error("rollout input failed", ["rollout.id": id, "host.id": hostID, "error": "\(error)"])
                }
            }
            for id in state.traffic.keys.sorted() where state.traffic[id]?.host(hostID) != nil {
                do {
                    let before = state.delivered
                    try applyTraffic(.host(hostID, .hostBack), to: id, state: &state, now: now)
                    if let host = state.traffic[id]?.host(hostID), let current = host.commandID,
                        ActiveTrafficRollout.inFlight(host), state.delivered[current] == before[current]
                    {
                        redeliver(current, state: &state, now: now)
                        try drainFollowUps(state: &state, now: now)
                    }
                } catch {
                    logger.error("rollout input failed", ["rollout.id": id, "host.id": hostID, "error": "\(error)"])
                }
            }
            let confirms = state.pendingConfirms.removeValue(forKey: hostID) ?? []
            let unsent = confirms.filter { !dispatcher.send($0, to: hostID) }
            if !unsent.isEmpty { state.pendingConfirms[hostID] = unsent }
        }
    }

    /// Connected and recovered hosts are back; lost, disconnected and removed ones are lost.
    public func inventoryTransitions(_ events: [InventoryEvent]) {
        for event in events {
            switch event.kind {
            case .connected, .recovered:
                hostBack(event.hostID)
            case .lost, .disconnected, .removed:
                hostLost(event.hostID)
            case .drained, .undrained, .conditionRaised, .conditionCleared:
                break
            }
        }
    }

    /// Routes an agent's event to the rollout that issued the command; ids no rollout issued,
    /// or from another host, are ignored (the state machine ignores stale ones).
    private func hostEvent(
        hostID: String, commandID: String, _ event: HostEvent, isResult: Bool = false
    ) {
        let now = self.now()
        state.withLock { state in
            // Only the id and the host are kept: a copy of the rollout held across `apply` would
            // make the machine copy every host when it changes one.
            guard
                let rolloutID = state.active.first(where: { $0.value.issued(commandID, to: hostID) })?.key
                    ?? state.traffic.first(where: { $0.value.issued(commandID, to: hostID) })?.key
            else {
                logger.debug(
                    "answer for a command no running rollout issued; ignored",
                    ["host.id": hostID, "command.id": commandID])
                return
            }
            if isResult {
                guard state.resultsApplied.insert(commandID).inserted else { return }
            }
            if let host = state.active[rolloutID]?.host(hostID), host.commandID == commandID,
                host.status == .swapping || host.status == .stabilizing
            {
                switch event {
                case .instanceUnhealthy, .swapFailed: state.failedHosts[rolloutID, default: []].insert(hostID)
                case .instanceHealthy: state.failedHosts[rolloutID]?.remove(hostID)
                case .swapStarted, .hostLost, .hostBack: break
                }
            }
            do {
                try apply(.host(hostID, event), to: rolloutID, state: &state, now: now)
            } catch {
                if isResult { state.resultsApplied.remove(commandID) }
                logger.error("rollout input failed", ["rollout.id": rolloutID, "host.id": hostID, "error": "\(error)"])
            }
        }
    }
}
