/// The life-cycle state of an enrolled host.
public enum HostState: String, Sendable, Equatable, Codable, CaseIterable {
    /// Connected and taking work.
    case ready
    /// Missed its heartbeats.
    case lost
    /// Taking no new work (operator drain).
    case drained
    /// Removed from the fleet; a tombstone kept for history, its name free for reuse.
    case removed
}

/// A host enrolled in the fleet.
public struct HostRecord: Sendable, Equatable, Codable {
    /// Stable id, `h-` followed by 12 random characters; the certificate identity.
    public var id: String
    /// Operator-facing name, unique among hosts that are not removed.
    public var name: String
    /// Last known address the agent connected from (host or host:port).
    public var address: String
    /// Life-cycle state.
    public var state: HostState
    /// Operator labels.
    public var labels: [String: String]
    /// Version string the agent reported.
    public var agentVersion: String
    /// SHA-256 hex fingerprint of the host's current certificate, if one was issued.
    public var certFingerprint: String?
    /// Enrollment time, Unix milliseconds.
    public var enrolledAt: Int64
    /// Last heartbeat, Unix milliseconds.
    public var lastSeenAt: Int64
    /// Removal time, Unix milliseconds, set when the state becomes ``HostState/removed``.
    public var removedAt: Int64?

    /// Creates a record.
    public init(
        id: String,
        name: String,
        address: String,
        state: HostState = .ready,
        labels: [String: String] = [:],
        agentVersion: String,
        certFingerprint: String? = nil,
        enrolledAt: Int64,
        lastSeenAt: Int64,
        removedAt: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.address = address
        self.state = state
        self.labels = labels
        self.agentVersion = agentVersion
        self.certFingerprint = certFingerprint
        self.enrolledAt = enrolledAt
        self.lastSeenAt = lastSeenAt
        self.removedAt = removedAt
    }

    /// Returns a fresh host id, `h-` and 12 random characters a-z, 0-9.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return newID(using: &generator)
    }

    /// ``newID()`` with a caller-chosen random source.
    public static func newID(using generator: inout some RandomNumberGenerator) -> String {
        "h-" + TokenText.random(count: 12, from: TokenText.idAlphabet, using: &generator)
    }
}
