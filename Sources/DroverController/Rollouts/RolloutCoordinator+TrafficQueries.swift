import DroverAPI
import DroverRollout
import DroverStore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Read-only views of canary and blue-green rollouts, in the API's models.
extension RolloutCoordinator {
    /// Rollout `id` in full if it is a canary or blue-green rollout (running, or `stored`);
    /// `nil` for a rolling one.
    /// - Parameter stored: the rollout's row when the caller already read it (not running).
    func trafficDetail(_ id: String, stored: RolloutRecord? = nil) throws -> RolloutDetail? {
        let live = state.withLock { state in
            (state.traffic[id], state.progress[id] ?? [], state.steps[id] ?? [:])
        }
        let record: RolloutRecord
        let rolloutState: TrafficRolloutState?
        if let rollout = live.0 {
            record = rollout.record
            rolloutState = rollout.machine.state
        } else {
            guard let stored, stored.strategy != .rolling else { return nil }
            record = stored
            rolloutState = try? storedTrafficState(stored)
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
        case .running, .holding, .promoting: progressDeadline = rolloutState.lastProgressAt + plan.progressDeadline
        case .rollingBack: rollbackDeadline = rolloutState.rollback.map { $0.startedAt + plan.rollbackDeadline }
        case .notStarted, .paused, .awaitingPromote, .finished: break
        }
        let hosts = rolloutState.hosts.map { host in
            RolloutHostStatus(
                host: host.name, status: host.status.rawValue, version: Self.version(of: host, plan: plan),
                attempt: host.attempt, lost: host.lost, step: live.2[host.name])
        }
        let steps = rolloutState.steps.map { step in
            RolloutStepStatus(
                step: step.index + 1, weightBp: step.weightBP, manual: step.manual, hosts: step.hosts,
                startedAt: step.startedAt, windowStartedAt: step.windowStartedAt, measuredShareBp: step.measuredShareBP,
                analyses: step.analyses.map { timed in
                    RolloutAnalysisStatus(
                        at: timed.at, verdict: RolloutText.verdict(timed.result.verdict),
                        summary: RolloutText.analysis(timed.result), canaryRequests: timed.result.canaryRequests,
                        canaryErrors: timed.result.canaryErrors,
                        canaryP95Ms: timed.result.canaryP95Microseconds / 1_000,
                        stableRequests: timed.result.stableRequests, stableErrors: timed.result.stableErrors,
                        stableP95Ms: timed.result.stableP95Microseconds / 1_000)
                })
        }
        return RolloutDetail(
            summary: summary, maxParallel: plan.maxParallel, progressDeadlineAt: progressDeadline,
            rollbackDeadlineAt: rollbackDeadline, hosts: hosts, log: log, why: why, steps: steps)
    }

    static func summary(_ record: RolloutRecord, _ state: TrafficRolloutState?) -> RolloutSummary {
        RolloutSummary(
            id: record.id, service: record.service, kind: record.kind.rawValue, fromVersion: record.fromVersion,
            toVersion: record.toVersion, phase: record.phase, hostCount: state?.hosts.count ?? 0,
            updatedCount: state?.hosts.count(where: { $0.status == .promoted }) ?? 0, createdAt: record.createdAt,
            finishedAt: record.finishedAt, outcome: record.outcome, rollbackDurationMs: record.rollbackDurationMs,
            strategy: record.strategy.rawValue, canaryWeightBp: state.map(\.targetWeightBP))
    }

    /// What a host runs, in words: the stable version, `stable+canary@weight`, or the new one.
    static func version(of host: TrafficHost, plan: TrafficRolloutPlan) -> String {
        switch host.status {
        case .pending, .reverted: plan.fromVersion
        case .swapping, .live, .weighting:
            "\(plan.fromVersion)+\(plan.toVersion)@\(BasisPoints.text(host.weightBP))"
        case .promoting, .promoted: plan.toVersion
        case .reverting: host.revertBySwap ? plan.toVersion : "\(plan.fromVersion)+\(plan.toVersion)"
        case .stuck: "unknown"
        }
    }

    static func decodeTrafficState(_ record: RolloutRecord) -> TrafficRolloutState? {
        try? JSONDecoder().decode(TrafficRolloutState.self, from: Data(record.stateJSON.utf8))
    }
}
