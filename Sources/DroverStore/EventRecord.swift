/// How much an event matters.
public enum EventSeverity: String, Sendable, Equatable, Codable, CaseIterable {
    /// Normal operation.
    case info
    /// Needs attention soon.
    case warning
    /// Something failed.
    case error
}

/// An event to append to the log (the store assigns the id).
public struct NewEvent: Sendable, Equatable {
    /// When it happened, Unix milliseconds.
    public var at: Int64
    /// Dotted kind, e.g. `host.enrolled`, `token.refused`, `host.lost`.
    public var kind: String
    /// How much it matters.
    public var severity: EventSeverity
    /// The host concerned, if any.
    public var hostID: String?
    /// One human line.
    public var message: String
    /// Structured extras (never secrets).
    public var details: [String: String]

    /// Creates an event.
    public init(
        at: Int64,
        kind: String,
        severity: EventSeverity = .info,
        hostID: String? = nil,
        message: String,
        details: [String: String] = [:]
    ) {
        self.at = at
        self.kind = kind
        self.severity = severity
        self.hostID = hostID
        self.message = message
        self.details = details
    }
}

/// A stored event.
public struct EventRecord: Sendable, Equatable, Codable {
    /// Increasing id assigned by the store.
    public var id: Int64
    /// When it happened, Unix milliseconds.
    public var at: Int64
    /// Dotted kind.
    public var kind: String
    /// How much it matters.
    public var severity: EventSeverity
    /// The host concerned, if any.
    public var hostID: String?
    /// One human line.
    public var message: String
    /// Structured extras.
    public var details: [String: String]

    /// Creates a record.
    public init(
        id: Int64,
        at: Int64,
        kind: String,
        severity: EventSeverity,
        hostID: String?,
        message: String,
        details: [String: String]
    ) {
        self.id = id
        self.at = at
        self.kind = kind
        self.severity = severity
        self.hostID = hostID
        self.message = message
        self.details = details
    }
}

/// Which events ``StateStore/listEvents(_:)`` returns, newest first.
public struct EventQuery: Sendable, Equatable {
    /// At most this many events.
    public var limit: Int
    /// Only kinds starting with this text (e.g. `host.`), case-sensitive.
    public var kindPrefix: String?
    /// Only events about this host.
    public var hostID: String?
    /// Only events at or after this time, Unix milliseconds.
    public var since: Int64?

    /// Creates a query.
    public init(limit: Int = 100, kindPrefix: String? = nil, hostID: String? = nil, since: Int64? = nil) {
        self.limit = limit
        self.kindPrefix = kindPrefix
        self.hostID = hostID
        self.since = since
    }
}
