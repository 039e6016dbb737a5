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

/// Read-only views for the API and CLI, in the API's models.
extension RolloutCoordinator {
    /// Rollouts, newest first (at most `limit`); `service` filters.
    public func rollouts(service: String? = nil, limit: Int = 100) throws -> [RolloutSummary] {
        let records = try storing { () throws(StoreError) in
            try store.listRollouts(RolloutQuery(service: service, limit: limit))
        }
        return state.withLock { state in
            records.map { record in
                if let active = state.active[record.id] { return Self.summary(active.record, active.machine.state) }
                if let active = state.traffic[record.id] { return Self.summary(active.record, active.machine.state) }
                if record.strategy != .rolling { return Self.summary(record, Self.decodeTrafficState(record)) }
                return Self.summary(record, Self.decodeState(record))
            }
        }
    }

    /// One rollout in full: every host with its status, version, attempts and last step, the
    /// deadlines, the progress log (this controller run) and the rollback's why.
    ///
    /// - Throws: ``RolloutCoordinatorError/rolloutNotFound(_:)``.
    public func rollout(_ id: String) throws -> RolloutDetail {
        if let traffic = try trafficDetail(id) { return traffic }
        let live = state.withLock { state in
            (state.active[id], state.progress[id] ?? [], state.steps[id] ?? [:])
        }
        let record: RolloutRecord
        let rolloutState: RolloutState?
        if let rollout = live.0 {
            record = rollout.record
            rolloutState = rollout.machine.state
        } else {
            guard let stored = try storing({ () throws(StoreError) in try store.rollout(id: id) }) else {
                throw RolloutCoordinatorError.rolloutNotFound(id)
            }
            if let traffic = try trafficDetail(id, stored: stored) { return traffic }
            record = stored
            rolloutState = try? storedState(stored).state
        }
        let summary = Self.summary(record, rolloutState)
        let (log, why) = try logAndWhy(record, rollback: rolloutState?.rollback, live: live.1)
        guard let rolloutState else {
            return RolloutDetail(summary: summary, maxParallel: 0, hosts: [], log: log, why: why)
        }
        let plan = rolloutState.plan
        var progressDeadline: Int64?
        var rollbackDeadline: Int64?
        switch rolloutState.phase {
        case .running: progressDeadline = rolloutState.lastProgressAt + plan.progressDeadline
        case .rollingBack: rollbackDeadline = rolloutState.rollback.map { $0.startedAt + plan.rollbackDeadline }
        case .notStarted, .paused, .finished: break
        }
        let hosts = rolloutState.hosts.map { host in
            RolloutHostStatus(
                host: host.name, status: host.status.rawValue, version: host.version, attempt: host.attempt,
                lost: host.lost, step: live.2[host.name])
        }
        return RolloutDetail(
            summary: summary, maxParallel: plan.maxParallel, progressDeadlineAt: progressDeadline,
            rollbackDeadlineAt: rollbackDeadline, hosts: hosts, log: log, why: why)
    }

    /// Every deployed service with its engine, current version, hosts, port and rollout in progress.
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
        return ServiceHistory(
            service: service, currentVersion: record.currentVersion,
            versions: versions.map { version in
                ServiceHistory.Version(
                    version: version.version, workload: Self.workload(Self.decodeSpec(version.specJSON)),
                    createdAt: version.createdAt)
            },
            rollouts: try rollouts(service: service, limit: 1_000))
    }

    // MARK: - Helpers

    /// The rollout's log lines from the event log, oldest first, before `before` (all when
    /// `nil`): what an earlier controller run recorded (agents' progress steps are not stored).
    /// A rollout's whole log (the event log's lines from earlier controller runs, then this
    /// run's) and its rollback's why (the finished row's report, else the running state's).
    func logAndWhy(
        _ record: RolloutRecord, rollback: RollbackReport?, live: [RolloutLogEntry]
    ) throws -> (log: [RolloutLogEntry], why: RollbackWhy?) {
        let report = record.reportJSON.flatMap(Self.decodeReport) ?? rollback
        return (try storedLog(record.id, before: live.first?.at) + live, report.map(Self.why))
    }

    private func storedLog(_ id: String, before: Int64?) throws -> [RolloutLogEntry] {
        if let before,
            let created = state.withLock({ $0.active[id]?.record.createdAt ?? $0.traffic[id]?.record.createdAt }),
            created >= before
        {
            return []
        }
        let events = try storing { () throws(StoreError) in
            try store.listEvents(EventQuery(limit: 10_000, kindPrefix: "rollout."))
        }
        return events.reversed()
            .filter { event in event.details["rollout.id"] == id && before.map { event.at < $0 } ?? true }
            .map { RolloutLogEntry(at: $0.at, host: $0.hostID, message: $0.message) }
    }

    private func serviceSummary(_ record: ServiceRecord) throws -> ServiceSummary {
        let latest = try storing { () throws(StoreError) in
            try store.listRollouts(RolloutQuery(service: record.name, limit: 1))
        }.first
        let spec = Self.decodeSpec(record.specJSON)
        let active = latest.flatMap { $0.isFinished ? nil : $0.id }
        let hosts =
            latest.flatMap {
                $0.strategy == .rolling ? Self.decodeState($0)?.plan.hosts : Self.decodeTrafficState($0)?.plan.hosts
            } ?? []
        return ServiceSummary(
            name: record.name, engine: spec?.engine.rawValue ?? "unknown", currentVersion: record.currentVersion,
            hosts: hosts, publicPort: spec?.ports.public ?? 0, activeRollout: active, updatedAt: record.updatedAt)
    }

    /// The summary of rollout `id`, live or stored.
    func summary(of id: String, state: CoordinatorState) throws -> RolloutSummary {
        if let active = state.active[id] { return Self.summary(active.record, active.machine.state) }
        if let active = state.traffic[id] { return Self.summary(active.record, active.machine.state) }
        guard let record = try storing({ () throws(StoreError) in try store.rollout(id: id) }) else {
            throw RolloutCoordinatorError.rolloutNotFound(id)
        }
        if record.strategy != .rolling { return Self.summary(record, try? storedTrafficState(record)) }
        return Self.summary(record, try? storedState(record).state)
    }

    static func summary(_ record: RolloutRecord, _ state: RolloutState?) -> RolloutSummary {
        RolloutSummary(
            id: record.id, service: record.service, kind: record.kind.rawValue, fromVersion: record.fromVersion,
            toVersion: record.toVersion, phase: record.phase, hostCount: state?.hosts.count ?? 0,
            updatedCount: state?.hosts.count(where: { $0.status == .updated }) ?? 0, createdAt: record.createdAt,
            finishedAt: record.finishedAt, outcome: record.outcome, rollbackDurationMs: record.rollbackDurationMs,
            strategy: record.strategy.rawValue)
    }

    static func why(_ report: RollbackReport) -> RollbackWhy {
        RollbackWhy(
            host: report.host, signal: report.signal.rawValue, observed: report.observed, threshold: report.threshold,
            action: report.action, targetVersion: report.targetVersion, revertedHosts: report.revertedHosts,
            skippedHosts: report.skippedHosts, startedAt: report.startedAt, finishedAt: report.finishedAt)
    }

    /// The image (docker) or the command (process) a spec runs.
    static func workload(_ spec: ServiceSpec?) -> String {
        guard let spec else { return "unknown" }
        return spec.image ?? (spec.command ?? []).joined(separator: " ")
    }

    static func decodeState(_ record: RolloutRecord) -> RolloutState? {
        try? JSONDecoder().decode(RolloutState.self, from: Data(record.stateJSON.utf8))
    }

    static func decodeReport(_ json: String) -> RollbackReport? {
        try? JSONDecoder().decode(RollbackReport.self, from: Data(json.utf8))
    }

    static func decodeSpec(_ json: String) -> ServiceSpec? {
        try? JSONDecoder().decode(ServiceSpec.self, from: Data(json.utf8))
    }
}
