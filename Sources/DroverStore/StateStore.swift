/// The controller's durable state: hosts, join and API tokens, certificates, events, services
/// and rollouts.
///
/// The I/O seam between the controller and its database. Every method is synchronous and
/// throws ``StoreError``; every timestamp is a `now` parameter in Unix milliseconds, so
/// callers (and tests) own the clock. Implementations are safe to call from any thread.
public protocol StateStore: Sendable {
    // MARK: Schema

    /// Identifiers of the migrations applied to the database, in order (e.g. `["v1"]`).
    func appliedMigrations() throws(StoreError) -> [String]

    // MARK: Hosts

    /// Stores a new host.
    ///
    /// - Throws: ``StoreError/duplicateHostName(_:)`` if a host that is not removed has the name.
    func insertHost(_ host: HostRecord) throws(StoreError)
    /// The host with this id, removed ones included.
    func host(id: String) throws(StoreError) -> HostRecord?
    /// The host with this name that is not removed.
    func host(named name: String) throws(StoreError) -> HostRecord?
    /// All hosts ordered by name, removed ones only when asked.
    func listHosts(includeRemoved: Bool) throws(StoreError) -> [HostRecord]
    /// Changes a host's state; moving to ``HostState/removed`` also sets `removedAt` and
    /// revokes all the host's certificates (reason "host removed") in the same transaction.
    ///
    /// - Throws: ``StoreError/hostNotFound(_:)``, ``StoreError/hostRemoved(_:)``.
    func updateHostState(id: String, to state: HostState, now: Int64) throws(StoreError) -> HostRecord
    /// Records a heartbeat: sets `lastSeenAt`, and the address and agent version when given.
    /// Moves `last_seen_at` forward for many hosts in one transaction.
    func recordHostsSeen(_ seen: [String: Int64]) throws(StoreError)
    func recordHostSeen(
        id: String,
        now: Int64,
        address: String?,
        agentVersion: String?
    ) throws(StoreError) -> HostRecord
    /// Records sessions that opened, in one transaction and in order: each host's `lastSeenAt`,
    /// address and agent version; a ``HostState/lost`` host is ``HostState/ready`` again; each
    /// start's event is appended. Unknown hosts are skipped (their event too).
    ///
    /// - Returns: for each start, the host as it is afterwards (nil when unknown).
    func recordHostsConnected(_ starts: [HostSessionStart]) throws(StoreError) -> [HostRecord?]
    /// Replaces a host's labels.
    func setHostLabels(id: String, labels: [String: String]) throws(StoreError) -> HostRecord

    // MARK: Join tokens

    /// Generates a join token with the store's hasher and stores its record; the plaintext is returned once.
    func createJoinToken(
        ttl: Duration,
        uses: Int?,
        labels: [String: String],
        now: Int64
    ) throws(StoreError) -> IssuedJoinToken
    /// Stores a record made by ``JoinToken/generate(now:ttl:uses:labels:hasher:)``.
    func insertJoinToken(_ record: JoinTokenRecord) throws(StoreError)
    /// The join token with this public id.
    func joinToken(id: String) throws(StoreError) -> JoinTokenRecord?
    /// All join tokens, oldest first.
    func listJoinTokens() throws(StoreError) -> [JoinTokenRecord]
    /// Revokes a join token (idempotent: the first revocation time is kept).
    func revokeJoinToken(id: String, now: Int64) throws(StoreError) -> JoinTokenRecord
    /// Checks and consumes one use of a join token in one write transaction.
    ///
    /// - Returns: The record after the use was counted.
    /// - Throws: ``StoreError/malformedToken(reason:)``, ``StoreError/unknownToken`` (unknown id
    ///   or wrong secret), ``StoreError/tokenRevoked``, ``StoreError/tokenExpired(at:)``,
    ///   ``StoreError/tokenUsedUp(uses:)``.
    func redeemJoinToken(token: String, now: Int64) throws(StoreError) -> JoinTokenRecord

    // MARK: Certificates

    /// Records an issued certificate and makes it the host's current one (`certFingerprint`).
    ///
    /// - Throws: ``StoreError/hostNotFound(_:)``, ``StoreError/duplicateCertificate(serial:)``.
    func recordIssuedCertificate(_ certificate: CertificateRecord) throws(StoreError)
    /// Revokes every not-yet-revoked certificate of a host; returns how many were revoked.
    func revokeCertificates(hostID: String, reason: String, now: Int64) throws(StoreError) -> Int
    /// Fingerprints of all revoked certificates, sorted: the TLS deny list.
    func revokedFingerprints() throws(StoreError) -> [String]
    /// The certificate with this fingerprint (case-insensitive hex).
    func certificate(fingerprint: String) throws(StoreError) -> CertificateRecord?
    /// A host's certificates, oldest first.
    func certificates(hostID: String) throws(StoreError) -> [CertificateRecord]

    // MARK: API tokens

    /// Creates an API token expiring at `expiresAt` (nil: never); the plaintext
    /// `drv_api_<id>_<secret>` is returned once.
    ///
    /// - Throws: ``StoreError/invalidArgument(_:)`` (name rules in ``APITokenPolicy``),
    ///   ``StoreError/duplicateAPITokenName(_:)`` when an active token has the name.
    func createAPIToken(name: String, role: APIRole, expiresAt: Int64?, now: Int64) throws(StoreError) -> IssuedAPIToken
    /// Checks a bearer token; updates `lastUsedAt` at most once a minute.
    ///
    /// - Throws: ``StoreError/malformedToken(reason:)``, ``StoreError/unknownAPIToken``,
    ///   ``StoreError/apiTokenRevoked``, ``StoreError/apiTokenExpired(at:)``.
    func authenticateAPIToken(_ token: String, now: Int64) throws(StoreError) -> APITokenRecord
    /// The API token with this id.
    func apiToken(id: String) throws(StoreError) -> APITokenRecord?
    /// All API tokens, oldest first.
    func listAPITokens() throws(StoreError) -> [APITokenRecord]
    /// Revokes an API token (idempotent: the first revocation time is kept); with
    /// `sparingLastAdmin` the last active admin token is refused (``StoreError/lastAdminToken(_:)``).
    func revokeAPIToken(id: String, now: Int64, sparingLastAdmin: Bool) throws(StoreError) -> APITokenRecord

    // MARK: Events

    /// Appends an event and returns it with its id.
    func appendEvent(_ event: NewEvent) throws(StoreError) -> EventRecord
    /// Appends events in order, in one transaction (all or none).
    func appendEvents(_ events: [NewEvent]) throws(StoreError)
    /// Events matching `query`, newest first.
    func listEvents(_ query: EventQuery) throws(StoreError) -> [EventRecord]
    /// Deletes events older than `cutoff`, then the oldest beyond `maxCount`; returns how many went.
    func pruneEvents(olderThan cutoff: Int64, keepingAtMost maxCount: Int) throws(StoreError) -> Int

    // MARK: Audit

    /// Appends an audit entry and returns it with its id.
    @discardableResult
    func appendAudit(_ entry: NewAuditEntry) throws(StoreError) -> AuditRecord
    /// Sets the occurrence count of an aggregated entry (see ``AuditRecorder``).
    func setAuditCount(id: Int64, count: Int) throws(StoreError)
    /// Audit entries matching `query`, newest first.
    func listAudit(_ query: AuditQuery) throws(StoreError) -> [AuditRecord]
    /// Deletes audit entries older than `cutoff`, then the oldest beyond `maxCount`; returns how many went.
    func pruneAudit(olderThan cutoff: Int64, keepingAtMost maxCount: Int) throws(StoreError) -> Int

    // MARK: Services and rollouts

    /// Every service, ordered by name.
    func listServices() throws(StoreError) -> [ServiceRecord]
    /// The service with this name.
    func service(named name: String) throws(StoreError) -> ServiceRecord?
    /// Records a version of a service, creating the service (no current version) if it is new.
    /// Recording a version again with the same spec changes nothing.
    ///
    /// - Throws: ``StoreError/serviceVersionConflict(service:version:)`` when the version exists
    ///   with a different spec.
    func recordServiceVersion(_ version: ServiceVersionRecord) throws(StoreError)
    /// One version of a service.
    func serviceVersion(service: String, version: String) throws(StoreError) -> ServiceVersionRecord?
    /// A service's versions, newest first.
    func listServiceVersions(service: String) throws(StoreError) -> [ServiceVersionRecord]
    /// Stores a new rollout and its state's parts, in one transaction.
    ///
    /// - Throws: ``StoreError/serviceNotFound(_:)``, ``StoreError/activeRolloutExists(service:rolloutID:)``.
    func insertRollout(_ rollout: RolloutRecord, parts: [RolloutPart]) throws(StoreError)
    /// Replaces a rollout's row (state, phase, outcome, timings) and writes the given parts
    /// (inserted or replaced; other parts are left alone), in one transaction.
    ///
    /// - Throws: ``StoreError/rolloutNotFound(_:)``.
    func updateRollout(_ rollout: RolloutRecord, parts: [RolloutPart]) throws(StoreError)
    /// Writes parts of an unfinished rollout's state (inserted or replaced), leaving its row
    /// alone, in one transaction.
    ///
    /// - Throws: ``StoreError/rolloutNotFound(_:)`` when no unfinished rollout has this id.
    func writeRolloutParts(_ parts: [RolloutPart], rolloutID: String) throws(StoreError)
    /// The parts of a rollout's state, in no particular order (none once it finished).
    func rolloutParts(id: String) throws(StoreError) -> [RolloutPart]
    /// Replaces a finished rollout's row (its `stateJSON` now whole), deletes its parts and,
    /// in the same transaction, makes `currentVersion`
    /// the service's current version (its spec from the version history); `nil` leaves it.
    ///
    /// - Throws: ``StoreError/rolloutNotFound(_:)``, ``StoreError/invalidArgument(_:)`` when the
    ///   version was never recorded.
    func finishRollout(_ rollout: RolloutRecord, currentVersion: String?) throws(StoreError)
    /// The rollout with this id.
    func rollout(id: String) throws(StoreError) -> RolloutRecord?
    /// Rollouts matching `query`, newest first.
    func listRollouts(_ query: RolloutQuery) throws(StoreError) -> [RolloutRecord]
}

extension StateStore {
    /// Creates an API token that never expires.
    public func createAPIToken(name: String, role: APIRole, now: Int64) throws(StoreError) -> IssuedAPIToken {
        try createAPIToken(name: name, role: role, expiresAt: nil, now: now)
    }

    /// Revokes an API token, the last admin token included.
    public func revokeAPIToken(id: String, now: Int64) throws(StoreError) -> APITokenRecord {
        try revokeAPIToken(id: id, now: now, sparingLastAdmin: false)
    }

    /// The number of schema migrations applied (1 for `v1`).
    public func schemaVersion() throws(StoreError) -> Int {
        try appliedMigrations().count
    }

    /// Hosts that are not removed, ordered by name.
    public func listHosts() throws(StoreError) -> [HostRecord] {
        try listHosts(includeRemoved: false)
    }

    /// Records a heartbeat without changing the address or agent version.
    public func recordHostSeen(id: String, now: Int64) throws(StoreError) -> HostRecord {
        try recordHostSeen(id: id, now: now, address: nil, agentVersion: nil)
    }
}

extension StateStore {
    /// Stores a new rollout whose state is whole in its row.
    public func insertRollout(_ rollout: RolloutRecord) throws(StoreError) {
        try insertRollout(rollout, parts: [])
    }

    /// Replaces a rollout's row, leaving its parts alone.
    public func updateRollout(_ rollout: RolloutRecord) throws(StoreError) {
        try updateRollout(rollout, parts: [])
    }
}
