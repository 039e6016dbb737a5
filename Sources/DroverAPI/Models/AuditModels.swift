import DroverStore

/// One audit entry in `GET /v1/audit`.
public struct AuditEntryInfo: Codable, Sendable, Equatable {
    /// Increasing id.
    public var id: Int64
    /// When, Unix milliseconds.
    public var atMs: Int64
    /// `token`, `host`, `system` or `anonymous`.
    public var actorKind: String
    /// Token or host id.
    public var actorID: String?
    /// Token or host name.
    public var actorName: String?
    /// The caller's IP address (`*` for an aggregate of many).
    public var sourceAddress: String?
    /// Dotted action, e.g. `host.drain`.
    public var action: String
    /// What it acted on.
    public var target: String?
    /// `ok`, `refused` or `failed`.
    public var outcome: String
    /// HTTP status, when it came through the API.
    public var status: Int?
    /// Why it was refused or failed.
    public var reason: String?
    /// The request id (`X-Request-Id`).
    public var requestID: String?
    /// Occurrences this entry stands for (more than 1 for aggregated refusals).
    public var count: Int
    /// Extras.
    public var details: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, action, target, outcome, status, reason, count, details
        case atMs = "at_ms"
        case actorKind = "actor_kind"
        case actorID = "actor_id"
        case actorName = "actor_name"
        case sourceAddress = "source_address"
        case requestID = "request_id"
    }

    /// Creates an entry.
    public init(
        id: Int64, atMs: Int64, actorKind: String, actorID: String?, actorName: String?, sourceAddress: String?,
        action: String, target: String?, outcome: String, status: Int?, reason: String?, requestID: String?,
        count: Int, details: [String: String]
    ) {
        self.id = id
        self.atMs = atMs
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

/// `GET /v1/audit`.
public struct AuditList: Codable, Sendable, Equatable {
    /// Entries, newest first.
    public var entries: [AuditEntryInfo]

    /// Creates a list.
    public init(entries: [AuditEntryInfo]) {
        self.entries = entries
    }
}

extension AuditEntryInfo {
    /// The listed facts of a stored entry.
    public init(_ record: AuditRecord) {
        let entry = record.entry
        self.init(
            id: record.id, atMs: entry.at, actorKind: entry.actorKind.rawValue, actorID: entry.actorID,
            actorName: entry.actorName, sourceAddress: entry.sourceAddress, action: entry.action, target: entry.target,
            outcome: entry.outcome.rawValue, status: entry.status, reason: entry.reason, requestID: entry.requestID,
            count: entry.count, details: entry.details)
    }
}
