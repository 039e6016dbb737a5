import DroverAPI
import DroverRollout
import DroverSession
import DroverStore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Operator requests: deploy, pause, resume, abort, roll back.
extension RolloutCoordinator {
    /// Deploys one service spec: parses and validates it, resolves its version
    /// (``ServiceSpec/resolvedVersion``), selects the ready hosts whose labels match, checks
    /// the rollback bound for that many hosts, records the version and the rollout, then starts it.
    ///
    /// - Throws: ``RolloutCoordinatorError``: the spec's errors (each naming `fileName` and the
    ///   field), no matching host, the rollback bound exceeded, a rollout of the service already
    ///   in progress, the version already running or used before with another spec.
    public func deploy(specText: String, fileName: String) throws -> RolloutSummary {
        let spec: ServiceSpec
        do {
            spec = try ServiceSpecParser.load(specText, file: fileName)
        } catch {
            throw RolloutCoordinatorError.invalidSpec(error)
        }
        let version = spec.resolvedVersion
        let specJSON = try Self.json(spec)
        let now = self.now()
        return try state.withLock { state in
            try refuseActiveRollout(of: spec.name, state: state)
            let service = try storing { () throws(StoreError) in try store.service(named: spec.name) }
            let from = service?.currentVersion ?? RolloutCommandFactory.noVersion
            guard from != version else {
                throw RolloutCoordinatorError.alreadyRunning(service: spec.name, version: version)
            }
            if let known = try storing({ () throws(StoreError) in
                try store.serviceVersion(service: spec.name, version: version)
            }),
                known.specJSON != specJSON
            {
                throw RolloutCoordinatorError.versionConflict(service: spec.name, version: version)
            }
            let hosts = try targetHosts(for: spec, file: fileName)
            let refusals = RollbackBudget(spec: spec, hostCount: hosts.count).check(spec: spec, file: fileName)
            guard refusals.isEmpty else { throw RolloutCoordinatorError.rollbackBudgetExceeded(refusals) }
            try storing { () throws(StoreError) in
                try store.recordServiceVersion(
                    ServiceVersionRecord(service: spec.name, version: version, specJSON: specJSON, createdAt: now))
            }
            let rolloutID = Self.newRolloutID()
            // A canary needs a stable version to run beside: a first deploy rolls out (as Argo
            // Rollouts and Flagger do on the first release).
            if spec.update.strategy != .rolling, from != RolloutCommandFactory.noVersion {
                let fromSpec = try storedSpec(service: spec.name, version: from)
                let plan =
                    spec.update.strategy == .canary
                    ? TrafficRolloutPlan.canary(
                        rolloutID: rolloutID, service: spec.name, fromVersion: from, toVersion: version, hosts: hosts,
                        update: spec.update)
                    : TrafficRolloutPlan.blueGreen(
                        rolloutID: rolloutID, service: spec.name, fromVersion: from, toVersion: version, hosts: hosts,
                        update: spec.update)
                if let plan {
                    return try createTraffic(plan, specs: [version: spec, from: fromSpec], state: &state, now: now)
                }
            }
            let plan = RolloutPlan(
                rolloutID: rolloutID, service: spec.name, fromVersion: from, toVersion: version, hosts: hosts,
                update: spec.update)
            if spec.update.strategy != .rolling {
                state.log(
                    rolloutID, at: now, host: nil,
                    "first deploy of \(spec.name): nothing runs yet for a \(spec.update.strategy.rawValue) to run beside, so \(version) rolls out host by host"
                )
            }
            return try create(plan, kind: .deploy, specs: [version: spec], state: &state, now: now)
        }
    }

    /// Pauses a running rollout: hosts in flight finish, no new host starts.
    public func pause(_ id: String) throws -> RolloutSummary {
        try command(.pause, named: "pause", rollout: id)
    }

    /// Resumes a paused rollout.
    public func resume(_ id: String) throws -> RolloutSummary {
        try command(.resume, named: "resume", rollout: id)
    }

    /// Stops a rollout now and leaves every host as it is (roll back to undo).
    public func abort(_ id: String) throws -> RolloutSummary {
        try command(.abort, named: "abort", rollout: id)
    }

    /// Rolls a service back to `version` (`nil`: the version before the current one).
    ///
    /// During a rollout this is the rollout's own rollback (every touched host swaps back in
    /// parallel). With no rollout in progress it starts a rollout of kind `rollback` from the
    /// current version to the target, on the ready hosts the current spec selects, all at once
    /// and with revert semantics (`ROLLBACK` commands, the agent reuses its kept instance).
    public func rollback(service: String, to version: String?) throws -> RolloutSummary {
        let now = self.now()
        return try state.withLock { state in
            if let active = state.activeRollout(of: service) {
                if let version, version != RolloutCommandFactory.noVersion {
                    _ = try storedSpec(service: service, version: version)
                }
                return try command(
                    .rollback(to: version), named: "rollback", rollout: active, state: &state, now: now)
            }
            guard let record = try storing({ () throws(StoreError) in try store.service(named: service) }) else {
                throw RolloutCoordinatorError.serviceNotFound(service)
            }
            guard let current = record.currentVersion else {
                throw RolloutCoordinatorError.nothingToRollBack("\(service) runs no version yet; nothing to roll back")
            }
            guard let target = try version ?? previousVersion(of: service, current: current) else {
                throw RolloutCoordinatorError.nothingToRollBack(
                    "\(service) has no version before \(current) to roll back to")
            }
            guard target != current else {
                throw RolloutCoordinatorError.alreadyRunning(service: service, version: target)
            }
            let targetSpec = try storedSpec(service: service, version: target)
            let currentSpec = try JSONDecoder().decode(ServiceSpec.self, from: Data(record.specJSON.utf8))
            let file = "\(service) \(current)"
            let hosts = try targetHosts(for: currentSpec, file: file)
            let refusals = RollbackBudget(spec: targetSpec, hostCount: hosts.count).check(
                spec: targetSpec, file: "\(service) \(target)")
            guard refusals.isEmpty else { throw RolloutCoordinatorError.rollbackBudgetExceeded(refusals) }
            let update = targetSpec.update
            // Every host at once and no min_healthy_time: a rollback skips the waits.
            let plan = RolloutPlan(
                rolloutID: Self.newRolloutID(), service: service, fromVersion: current, toVersion: target, hosts: hosts,
                maxParallel: hosts.count, minHealthyTime: 0, healthyDeadline: update.healthyDeadline.milliseconds,
                progressDeadline: update.progressDeadline.milliseconds, autoRevert: true)
            return try create(
                plan, kind: .rollback, specs: [target: targetSpec, current: currentSpec], state: &state, now: now)
        }
    }

    // MARK: - Helpers

    /// An operator's canary command for the running canary (or blue-green) rollout of `service`:
    /// set the canary's share now and hold it (`percent`, 0–100 with up to two decimals),
    /// promote, or abort (every host back to stable only).
    ///
    /// - Throws: ``RolloutCoordinatorError``: no such service, no canary rollout in progress, or
    ///   the state machine's refusal (e.g. a weight during promotion).
    public func canary(service: String, _ command: CanaryCommand) throws -> RolloutSummary {
        let now = self.now()
        return try state.withLock { state in
            guard let id = state.traffic.values.first(where: { $0.record.service == service })?.id else {
                if let rolling = state.active.values.first(where: { $0.record.service == service }) {
                    throw RolloutCoordinatorError.commandRejected(
                        command: command.name,
                        reason:
                            "rollout \(rolling.id) of \(service) is a rolling rollout; canary commands apply to canary and blue-green rollouts"
                    )
                }
                guard try storing({ () throws(StoreError) in try store.service(named: service) }) != nil else {
                    throw RolloutCoordinatorError.serviceNotFound(service)
                }
                throw RolloutCoordinatorError.commandRejected(
                    command: command.name,
                    reason:
                        "no canary or blue-green rollout of \(service) is in progress; deploy a spec with update.strategy canary"
                )
            }
            let input: RolloutInput
            switch command {
            case .percent(let percent):
                guard percent.isFinite, (0...100).contains(percent) else {
                    throw RolloutCoordinatorError.commandRejected(
                        command: command.name, reason: "the percentage must be from 0 to 100, got \(percent)")
                }
                input = .setCanaryWeight(basisPoints: Int((percent * 100).rounded()))
            case .promote: input = .promote
            case .abort: input = .abort
            }
            return try self.command(input, named: command.name, rollout: id, state: &state, now: now)
        }
    }

    /// Stores a new canary or blue-green rollout for `plan` and starts it.
    private func createTraffic(
        _ plan: TrafficRolloutPlan, specs: [String: ServiceSpec], state: inout CoordinatorState, now: Int64
    ) throws -> RolloutSummary {
        let machine = CanaryRolloutStateMachine(plan: plan)
        let stateJSON = try Self.json(machine.state)
        let record = RolloutRecord(
            id: plan.rolloutID, service: plan.service, fromVersion: plan.fromVersion, toVersion: plan.toVersion,
            kind: .deploy, stateJSON: stateJSON, phase: RolloutText.phase(machine.state.phase), createdAt: now,
            updatedAt: now, strategy: plan.mode == .canary ? .canary : .blueGreen)
        do {
            try store.insertRollout(
                record, parts: [RolloutPart(name: ActiveTrafficRollout.statePart, stateJSON: stateJSON)])
        } catch .activeRolloutExists(let service, let id) {
            throw RolloutCoordinatorError.rolloutInProgress(service: service, rolloutID: id)
        } catch {
            throw RolloutCoordinatorError.store(error)
        }
        state.traffic[plan.rolloutID] = ActiveTrafficRollout(machine: machine, record: record, specs: specs)
        let steps = plan.steps.map { "\(BasisPoints.text($0.weightBP)) on \($0.hostCount)" }.joined(separator: ", ")
        let message =
            "\(plan.mode.rawValue) rollout of \(plan.service) \(plan.fromVersion) → \(plan.toVersion) created for \(plan.hosts.count) host\(plan.hosts.count == 1 ? "" : "s") (\(plan.hosts.joined(separator: ", "))); steps: \(steps)"
        state.log(plan.rolloutID, at: now, host: nil, message)
        appendEvent(
            kind: "rollout.created", severity: .info, host: nil, message: message, rollout: record, now: now,
            state: &state)
        logger.notice(message, ["rollout.id": plan.rolloutID, "service": plan.service])
        try applyTraffic(.start, to: plan.rolloutID, state: &state, now: now)
        return try summary(of: plan.rolloutID, state: state)
    }

    /// Stores a new rollout for `plan` and starts it.
    private func create(
        _ plan: RolloutPlan, kind: RolloutKind, specs: [String: ServiceSpec], state: inout CoordinatorState, now: Int64
    ) throws -> RolloutSummary {
        let machine = RollingRolloutStateMachine(plan: plan)
        let record = RolloutRecord(
            id: plan.rolloutID, service: plan.service, fromVersion: plan.fromVersion, toVersion: plan.toVersion,
            kind: kind, stateJSON: try machine.state.jsonText(),
            phase: RolloutText.phase(machine.state.phase), createdAt: now, updatedAt: now)
        var active = ActiveRollout(machine: machine, record: record, specs: specs, partsWritten: false)
        let parts = try active.changedParts(machine.state)
        active.partsStored(machine.state)
        do {
            try store.insertRollout(record, parts: parts)
        } catch .activeRolloutExists(let service, let id) {
            throw RolloutCoordinatorError.rolloutInProgress(service: service, rolloutID: id)
        } catch {
            throw RolloutCoordinatorError.store(error)
        }
        state.active[plan.rolloutID] = active
        let hosts = plan.hosts.joined(separator: ", ")
        let message =
            "\(kind.rawValue) of \(plan.service) \(plan.fromVersion) → \(plan.toVersion) created for \(plan.hosts.count) host\(plan.hosts.count == 1 ? "" : "s"): \(hosts)"
        state.log(plan.rolloutID, at: now, host: nil, message)
        appendEvent(
            kind: "rollout.created", severity: .info, host: nil, message: message, rollout: record, now: now,
            state: &state)
        logger.notice(message, ["rollout.id": plan.rolloutID, "service": plan.service])
        try apply(.start, to: plan.rolloutID, state: &state, now: now)
        return try summary(of: plan.rolloutID, state: state)
    }

    private func command(_ input: RolloutInput, named name: String, rollout id: String) throws -> RolloutSummary {
        let now = self.now()
        return try state.withLock { state in try command(input, named: name, rollout: id, state: &state, now: now) }
    }

    /// Feeds an operator command; a rejection becomes ``RolloutCoordinatorError/commandRejected(command:reason:)``.
    private func command(
        _ input: RolloutInput, named name: String, rollout id: String, state: inout CoordinatorState, now: Int64
    ) throws -> RolloutSummary {
        if state.traffic[id] != nil {
            let actions = try applyTraffic(input, to: id, state: &state, now: now)
            for case .notify(.rollout(.rejected(let command, let reason))) in actions {
                throw RolloutCoordinatorError.commandRejected(command: command, reason: reason)
            }
            return try summary(of: id, state: state)
        }
        guard state.active[id] != nil else {
            guard try storing({ () throws(StoreError) in try store.rollout(id: id) }) != nil else {
                throw RolloutCoordinatorError.rolloutNotFound(id)
            }
            throw RolloutCoordinatorError.commandRejected(command: name, reason: "the rollout has finished")
        }
        let actions = try apply(input, to: id, state: &state, now: now)
        for case .notify(.rejected(let command, let reason)) in actions {
            throw RolloutCoordinatorError.commandRejected(command: command, reason: reason)
        }
        return try summary(of: id, state: state)
    }

    private func refuseActiveRollout(of service: String, state: CoordinatorState) throws {
        if let active = state.activeRollout(of: service) {
            throw RolloutCoordinatorError.rolloutInProgress(service: service, rolloutID: active)
        }
    }

    /// Ids of the hosts a spec selects: not removed, not drained, labels matching, ready now;
    /// in name order.
    func targetHosts(for spec: ServiceSpec, file: String) throws -> [String] {
        let ready = availability.readyHostIDs()
        let records = try storing { () throws(StoreError) in try store.listHosts() }
        let matching = records.filter { $0.state != .drained && spec.hosts.matches($0.labels) }
        let chosen = matching.filter { ready.contains($0.id) }
        guard chosen.isEmpty else { return chosen.map(\.id) }
        let waiting =
            matching.isEmpty
            ? "" : " (\(matching.count) matching host\(matching.count == 1 ? " is" : "s are") not connected)"
        let message =
            spec.hosts.labels.isEmpty
            ? "\(file): hosts: no ready host in the fleet\(waiting)"
            : "\(file): hosts.labels: no ready host has the labels "
                + spec.hosts.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                + waiting
        throw RolloutCoordinatorError.noMatchingHost(file: file, message: message)
    }

    /// The version a rollback without a target returns to: the one the latest successful
    /// rollout to `current` came from, else the newest other version in the history.
    func previousVersion(of service: String, current: String) throws -> String? {
        let rollouts = try storing { () throws(StoreError) in
            try store.listRollouts(RolloutQuery(service: service, limit: 1_000))
        }
        if let last = rollouts.first(where: { $0.phase == "succeeded" && $0.toVersion == current }),
            last.fromVersion != RolloutCommandFactory.noVersion
        {
            return last.fromVersion
        }
        let versions = try storing { () throws(StoreError) in try store.listServiceVersions(service: service) }
        return versions.first { $0.version != current }?.version
    }

    /// A version's spec from the history.
    func storedSpec(service: String, version: String) throws -> ServiceSpec {
        guard
            let stored = try storing({ () throws(StoreError) in
                try store.serviceVersion(service: service, version: version)
            })
        else {
            throw RolloutCoordinatorError.versionNotFound(service: service, version: version)
        }
        return try JSONDecoder().decode(ServiceSpec.self, from: Data(stored.specJSON.utf8))
    }

    /// `r-` and 10 random lowercase letters and digits.
    static func newRolloutID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return "r-" + String((0..<10).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
