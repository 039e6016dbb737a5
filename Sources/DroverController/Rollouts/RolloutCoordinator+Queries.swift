import DroverRollout
import DroverSession
import DroverStore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Read-only views for the API and CLI.
extension RolloutCoordinator {
    /// Rollouts, newest first (at most `limit`).
    public func rollouts(limit: Int = 100) throws -> [RolloutSummary] {
        let records = try storing { () throws(StoreError) in try store.listRollouts(RolloutQuery(limit: limit)) }
        return state.withLock { state in
            records.map { record in
                if let active = state.active[record.id] { return Self.summary(active.record, active.machine.state) }
                return Self.summary(record, Self.decodeState(record))
            }
        }
    }

    /// One rollout in full; `nil` when there is no such rollout.
    public func rollout(_ id: String) throws -> RolloutDetail? {
        let active = state.withLock { state in state.active[id].map { ($0, state.progress[id] ?? []) } }
        let record: RolloutRecord
        let rolloutState: RolloutState?
        var progress: [RolloutDetail.Progress] = []
        if let (rollout, log) = active {
            record = rollout.record
            rolloutState = rollout.machine.state
            progress = log
        } else {
            guard let stored = try storing({ () throws(StoreError) in try store.rollout(id: id) }) else { return nil }
            record = stored
            rolloutState = Self.decodeState(stored)
            progress = state.withLock { $0.progress[id] ?? [] }
        }
        let names = try hostNames()
        let summary = Self.summary(record, rolloutState)
        guard let rolloutState else {
            return RolloutDetail(
                summary: summary, hosts: [], maxParallel: 0, batches: [], progressDeadlineAt: nil, rollbackDeadlineAt: nil,
                progress: progress, why: record.reportJSON.flatMap(Self.decodeReport))
        }
        let plan = rolloutState.plan
        let hosts = rolloutState.hosts.map { host in
            let inFlight = [.swapping, .stabilizing].contains(host.status)
            return RolloutDetail.Host(
                id: host.name, name: names[host.name] ?? host.name, status: host.status.rawValue, version: host.version,
                attempts: host.attempt, revertAttempts: host.revertAttempts, commandID: host.commandID, lost: host.lost,
                dispatchedAt: host.dispatchedAt, healthySince: host.healthySince,
                deadlineAt: inFlight ? host.dispatchedAt.map { $0 + plan.healthyDeadline } : nil)
        }
        let batches = stride(from: 0, to: plan.hosts.count, by: plan.maxParallel).map { start in
            plan.hosts[start..<min(start + plan.maxParallel, plan.hosts.count)].map { names[$0] ?? $0 }
        }
        var progressDeadline: Int64?
        var rollbackDeadline: Int64?
        switch rolloutState.phase {
        case .running: progressDeadline = rolloutState.lastProgressAt + plan.progressDeadline
        case .rollingBack: rollbackDeadline = rolloutState.rollback.map { $0.startedAt + plan.rollbackDeadline }
        case .notStarted, .paused, .finished: break
        }
        let why = record.reportJSON.flatMap(Self.decodeReport) ?? rolloutState.rollback
        return RolloutDetail(
            summary: summary, hosts: hosts, maxParallel: plan.maxParallel, batches: batches,
            progressDeadlineAt: progressDeadline, rollbackDeadlineAt: rollbackDeadline, progress: progress, why: why)
    }

    /// Every deployed service with its current version, hosts and rollout in progress.
    public func services() throws -> [ServiceSummary] {
        let records = try storing { () throws(StoreError) in try store.listServices() }
        return try records.map { try serviceSummary($0) }
    }

    /// One service's versions and rollouts, newest first.
    ///
    /// - Throws: ``RolloutCoordinatorError/serviceNotFound(_:)``.
    public func history(service: String) throws -> ServiceHistory {
        guard let record = try storing({ () throws(StoreError) in try store.service(named: service) }) else {
            throw RolloutCoordinatorError.serviceNotFound(service)
        }
        let versions = try storing { () throws(StoreError) in try store.listServiceVersions(service: service) }
        let rollouts = try storing { () throws(StoreError) in try store.listRollouts(RolloutQuery(service: service, limit: 1_000)) }
        let live = state.withLock { state in state.active.filter { $0.value.record.service == service } }
        return ServiceHistory(
            service: service, currentVersion: record.currentVersion,
            versions: versions.map { version in
                let spec = try? JSONDecoder().decode(ServiceSpec.self, from: Data(version.specJSON.utf8))
                return ServiceHistory.Version(
                    version: version.version, image: spec?.image, createdAt: version.createdAt,
                    current: version.version == record.currentVersion)
            },
            rollouts: rollouts.map { rollout in
                if let active = live[rollout.id] { return Self.summary(active.record, active.machine.state) }
                return Self.summary(rollout, Self.decodeState(rollout))
            })
    }

    // MARK: - Helpers

    private func serviceSummary(_ record: ServiceRecord) throws -> ServiceSummary {
        let latest = try storing { () throws(StoreError) in
            try store.listRollouts(RolloutQuery(service: record.name, limit: 20))
        }
        let active = latest.first { !$0.isFinished }
        // The hosts of the latest rollout that ended with hosts on the current version.
        var hosts: [String] = []
        if let current = record.currentVersion,
            let settled = latest.first(where: { $0.isFinished && ($0.outcome == "succeeded" || $0.outcome == "rolled-back") }),
            let settledState = Self.decodeState(settled)
        {
            let names = try hostNames()
            hosts = settledState.hosts.filter { $0.version == current }.map { names[$0.name] ?? $0.name }
        }
        return ServiceSummary(
            name: record.name, currentVersion: record.currentVersion, hosts: hosts, activeRolloutID: active?.id,
            updatedAt: record.updatedAt)
    }

    /// The summary of rollout `id`, live or stored.
    func summary(of id: String, state: CoordinatorState) throws -> RolloutSummary {
        if let active = state.active[id] { return Self.summary(active.record, active.machine.state) }
        guard let record = try storing({ () throws(StoreError) in try store.rollout(id: id) }) else {
            throw RolloutCoordinatorError.rolloutNotFound(id)
        }
        return Self.summary(record, Self.decodeState(record))
    }

    static func summary(_ record: RolloutRecord, _ state: RolloutState?) -> RolloutSummary {
        RolloutSummary(
            id: record.id, service: record.service, kind: record.kind.rawValue, fromVersion: record.fromVersion,
            toVersion: record.toVersion, phase: record.phase, outcome: record.outcome, hostCount: state?.hosts.count ?? 0,
            updatedCount: state?.hosts.count(where: { $0.status == .updated }) ?? 0, createdAt: record.createdAt,
            updatedAt: record.updatedAt, finishedAt: record.finishedAt, rollbackDurationMs: record.rollbackDurationMs)
    }

    static func decodeState(_ record: RolloutRecord) -> RolloutState? {
        try? JSONDecoder().decode(RolloutState.self, from: Data(record.stateJSON.utf8))
    }

    static func decodeReport(_ json: String) -> RollbackReport? {
        try? JSONDecoder().decode(RollbackReport.self, from: Data(json.utf8))
    }

    /// Host id → name, removed hosts included.
    private func hostNames() throws -> [String: String] {
        let hosts = try storing { () throws(StoreError) in try store.listHosts(includeRemoved: true) }
        return Dictionary(hosts.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }
}
