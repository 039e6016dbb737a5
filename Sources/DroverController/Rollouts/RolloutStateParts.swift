import DroverRollout
import DroverStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How an unfinished rollout's state is stored: in parts, so a transition writes only what it
/// changed — its progress (phase and timers, a few dozen bytes), the hosts it moved, and the
/// rollback report when that changed — never the plan (written once) or the whole fleet.
///
/// Why: a 1,000-host rollout's whole state is about 200 KB of JSON (its plan alone lists every
/// host); written on each of its thousands of transitions, that was most of the controller's
/// work in `drover-bench rollout`.
enum RolloutStateParts {
    /// The plan (written when the rollout is created; it never changes).
    static let plan = "plan"
    /// Phase, start and last-progress times.
    static let progress = "progress"
    /// The rollback report (absent until a rollback starts).
    static let rollback = "rollback"
    /// One part per target host: this prefix and the host's id.
    static let hostPrefix = "host:"

    /// The state's phase and timers.
    struct Progress: Codable, Equatable {
        var phase: RolloutPhase
        var startedAt: Int64?
        var lastProgressAt: Int64
    }

    /// The part for one host.
    static func host(_ host: RolloutHost) -> RolloutPart {
        RolloutPart(name: hostPrefix + host.name, stateJSON: host.jsonText())
    }

    /// The progress part of `state`.
    static func progress(_ state: RolloutState) throws -> RolloutPart {
        let value = Progress(phase: state.phase, startedAt: state.startedAt, lastProgressAt: state.lastProgressAt)
        return RolloutPart(name: progress, stateJSON: try json(value))
    }

    /// The rollback part of `state`, if it has a report.
    static func rollback(_ state: RolloutState) throws -> RolloutPart? {
        try state.rollback.map { RolloutPart(name: rollback, stateJSON: try json($0)) }
    }

    /// Every part of `state`; `planJSON` is the plan's text when already encoded.
    static func all(_ state: RolloutState, planJSON: String) throws -> [RolloutPart] {
        var parts = [RolloutPart(name: plan, stateJSON: planJSON), try progress(state)]
        if let rollback = try rollback(state) { parts.append(rollback) }
        parts += state.hosts.map(host)
        return parts
    }

    /// The state the parts describe, hosts in plan order.
    ///
    /// - Throws: a decoding error, or ``RolloutCoordinatorError/statePartMissing(rolloutID:part:)``
    ///   when the plan, the progress or a host's part is missing.
    static func assemble(_ parts: [RolloutPart], rolloutID: String) throws -> RolloutState {
        let decoder = JSONDecoder()
        var byName: [String: String] = [:]
        for part in parts { byName[part.name] = part.stateJSON }
        func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
            guard let text = byName[name] else {
                throw RolloutCoordinatorError.statePartMissing(rolloutID: rolloutID, part: name)
            }
            return try decoder.decode(type, from: Data(text.utf8))
        }
        let plan = try decode(RolloutPlan.self, Self.plan)
        let progress = try decode(Progress.self, Self.progress)
        var state = RolloutState(plan: plan)
        state.phase = progress.phase
        state.startedAt = progress.startedAt
        state.lastProgressAt = progress.lastProgressAt
        state.rollback = byName[rollback] == nil ? nil : try decode(RollbackReport.self, rollback)
        state.hosts = try plan.hosts.map { try decode(RolloutHost.self, hostPrefix + $0) }
        return state
    }

    private static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
