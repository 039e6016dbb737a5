/// Why a rollout was created.
public enum RolloutKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// An operator deployed a new (or earlier) spec.
    case deploy
    /// An operator asked to go back to an earlier version with no rollout running.
    case rollback
}

/// Which state machine a rollout runs (its stored state is that machine's).
public enum RolloutStrategyName: String, Sendable, Equatable, Codable, CaseIterable {
    /// Hosts swapped batch by batch.
    case rolling
    /// Traffic steps to a canary beside stable, with analysis.
    case canary
    /// The full new set beside the old, then all traffic switched at once.
    case blueGreen = "blue-green"
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
    /// The persisted rollout state (JSON). While the rollout runs, the current state is kept
    /// in parts (``RolloutPart``, see ``StateStore/writeRolloutParts(_:rolloutID:)``) and this
    /// is the state it was created with; once it finished, this is the final state, whole.
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
    /// The strategy: which state machine `stateJSON` (and the parts) belong to.
    public var strategy: RolloutStrategyName

    /// Creates a record.
    public init(
        id: String, service: String, fromVersion: String, toVersion: String, kind: RolloutKind,
        stateJSON: String, phase: String, outcome: String? = nil, createdAt: Int64, updatedAt: Int64,
        finishedAt: Int64? = nil, rollbackDurationMs: Int64? = nil, reportJSON: String? = nil,
        strategy: RolloutStrategyName = .rolling
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
        self.strategy = strategy
    }

    /// Whether it is over.
    public var isFinished: Bool { finishedAt != nil }
}

/// One named part of an unfinished rollout's state (JSON), stored in its own row so a
/// transition writes only the parts it changed (e.g. one host's, not the whole fleet's).
public struct RolloutPart: Sendable, Equatable, Codable {
    /// The part's name, unique within the rollout (the controller chooses the names).
    public var name: String
    /// The part's state (JSON; the store does not interpret it).
    public var stateJSON: String

    /// Creates a part.
    public init(name: String, stateJSON: String) {
        self.name = name
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
