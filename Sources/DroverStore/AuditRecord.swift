/// Who an audit entry is about.
public enum AuditActorKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// An API token (id and name).
    case token
    /// An enrolled or enrolling host.
    case host
    /// The controller itself (retention, bootstrap, offline commands).
    case system
    /// A caller without a valid credential (refused before it could be identified).
    case anonymous
}

/// How an audited action ended.
public enum AuditOutcome: String, Sendable, Equatable, Codable, CaseIterable {
    /// Done.
    case ok
    /// Refused: permissions, validation, conflicts (4xx).
    case refused
    /// The controller failed (5xx).
    case failed
}

/// One audit entry to append (the store assigns the id).
public struct NewAuditEntry: Sendable, Equatable {
    /// When, Unix milliseconds.
    public var at: Int64
    /// Who.
    public var actorKind: AuditActorKind
    /// Token id or host id.
    public var actorID: String?
    /// Token name or host name.
    public var actorName: String?
    /// The caller's IP address.
    public var sourceAddress: String?
    /// Dotted action, e.g. `host.drain`, `deploy.create`, `api_token.create`, `enrollment.refuse`.
    public var action: String
    /// What it acted on: a host, service, rollout or token id.
    public var target: String?
    /// How it ended.
    public var outcome: AuditOutcome
    /// HTTP status, when it came through the API.
    public var status: Int?
    /// Why it was refused or failed (one line, never a secret).
    public var reason: String?
    /// The API request id (`X-Request-Id`).
    public var requestID: String?
    /// How many occurrences this entry stands for (more than 1 only for aggregated refusals).
    public var count: Int
    /// Structured extras (never secrets).
    public var details: [String: String]

    /// Creates an entry.
    public init(
        at: Int64,
        actorKind: AuditActorKind,
        actorID: String? = nil,
        actorName: String? = nil,
        sourceAddress: String? = nil,
        action: String,
        target: String? = nil,
        outcome: AuditOutcome,
        status: Int? = nil,
        reason: String? = nil,
        requestID: String? = nil,
        count: Int = 1,
        details: [String: String] = [:]
    ) {
        self.at = at
        self.actorKind = actorKind
        self.actorID = actorID
        self.actorName = actorName
        self.sourceAddress = sourceAddress
        self.action = action
        self.target = target
        self.outcome = outcome
        self.status = status
        self.reason = reason
        self.requestID = requestID
        self.count = count
        self.details = details
    }
}

/// A stored audit entry.
public struct AuditRecord: Sendable, Equatable {
    /// Increasing id assigned by the store.
    public var id: Int64
    /// The entry as appended (its count possibly raised since by aggregation).
    public var entry: NewAuditEntry

    /// Creates a record.
    public init(id: Int64, entry: NewAuditEntry) {
        self.id = id
        self.entry = entry
    }
}

/// Which entries ``StateStore/listAudit(_:)`` returns, newest first.
public struct AuditQuery: Sendable, Equatable {
    /// At most this many entries.
    public var limit: Int
    /// Only entries at or after this time, Unix milliseconds.
    public var since: Int64?
    /// Only entries whose actor id or actor name is exactly this.
    public var actor: String?
    /// Only this action, or (without a dot at its end) every action under it: `host` matches
    /// `host.drain` and `host.remove`.
    public var action: String?

    /// Creates a query.
    public init(limit: Int = 100, since: Int64? = nil, actor: String? = nil, action: String? = nil) {
        self.limit = limit
        self.since = since
        self.actor = actor
        self.action = action
    }
}
