/// Why a rollout was created.
public enum RolloutKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// An operator deployed a new (or earlier) spec.
    case deploy
    /// An operator asked to go back to an earlier version with no rollout running.
    case rollback
}

/// One rollout as stored: identity and summary columns for listing, plus the state machine's
/// state as JSON (the store never interprets it).
public struct RolloutRecord: Sendable, Equatable, Codable {
    /// The rollout's id.
    public var id: String
    /// The service's name.
    public var service: String
    /// The version the hosts ran when it began (`none` for a first deploy).
    public var fromVersion: String
    /// The version it rolls out.
    public var toVersion: String
    /// Deploy or rollback.
    public var kind: RolloutKind
    /// The persisted rollout state (JSON). While the rollout runs its hosts are kept apart, one
    /// ``RolloutHostState`` each (see ``StateStore/updateRollout(_:hostStates:)``), and this
    /// holds the rest; a finished rollout's holds everything.
    public var stateJSON: String
    /// The phase in words, e.g. `running`, `rolling-back`, `finished`.
    public var phase: String
    /// How it ended, e.g. `succeeded`, `rolled-back`; `nil` while it runs.
    public var outcome: String?
    /// When it was created, Unix milliseconds.
    public var createdAt: Int64
    /// When its state last changed, Unix milliseconds.
    public var updatedAt: Int64
    /// When it finished, Unix milliseconds; `nil` while it runs.
    public var finishedAt: Int64?
    /// How long its rollback took, if it rolled back.
    public var rollbackDurationMs: Int64?
    /// The rollback's "why" report (JSON), if there was one.
    public var reportJSON: String?

    /// Creates a record.
    public init(
        id: String, service: String, fromVersion: String, toVersion: String, kind: RolloutKind,
        stateJSON: String, phase: String, outcome: String? = nil, createdAt: Int64, updatedAt: Int64,
        finishedAt: Int64? = nil, rollbackDurationMs: Int64? = nil, reportJSON: String? = nil
    ) {
        self.id = id
        self.service = service
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.kind = kind
        self.stateJSON = stateJSON
        self.phase = phase
        self.outcome = outcome
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.rollbackDurationMs = rollbackDurationMs
        self.reportJSON = reportJSON
    }

    /// Whether it is over.
    public var isFinished: Bool { finishedAt != nil }
}

/// One target host's part of an unfinished rollout's state (JSON), stored in its own row so a
/// transition writes only the hosts it changed.
public struct RolloutHostState: Sendable, Equatable, Codable {
    /// The host's id.
    public var host: String
    /// The host's state (JSON; the store does not interpret it).
    public var stateJSON: String

    /// Creates a host state.
    public init(host: String, stateJSON: String) {
        self.host = host
        self.stateJSON = stateJSON
    }
}

/// Which rollouts ``StateStore/listRollouts(_:)`` returns, newest first.
public struct RolloutQuery: Sendable, Equatable {
    /// Only this service's rollouts.
    public var service: String?
    /// Only rollouts that have not finished.
    public var activeOnly: Bool
    /// At most this many.
    public var limit: Int

    /// Creates a query.
    public init(service: String? = nil, activeOnly: Bool = false, limit: Int = 100) {
        self.service = service
        self.activeOnly = activeOnly
        self.limit = limit
    }
}
