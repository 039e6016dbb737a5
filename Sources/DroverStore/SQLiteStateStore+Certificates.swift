import GRDB

extension SQLiteStateStore {
    /// Records an issued certificate and makes it the host's current one.
    public func recordIssuedCertificate(_ certificate: CertificateRecord) throws(StoreError) {
        try write { db in
            guard try Self.fetchHost(db, id: certificate.hostID) != nil else {
                throw StoreError.hostNotFound(certificate.hostID)
            }
            do {
                try db.execute(
                    sql: """
                        INSERT INTO certificates (serial, host_id, fingerprint, not_before, not_after, issued_at,
                                                  revoked_at, revoke_reason)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        certificate.serial, certificate.hostID, certificate.fingerprint, certificate.notBefore,
                        certificate.notAfter, certificate.issuedAt, certificate.revokedAt, certificate.revokeReason,
                    ]
                )
            } catch let error as DatabaseError
                where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
                || error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            {
                throw StoreError.duplicateCertificate(serial: certificate.serial)
            }
            try db.execute(
                sql: "UPDATE hosts SET cert_fingerprint = ? WHERE id = ?",
                arguments: [certificate.fingerprint, certificate.hostID]
            )
        }
    }

    /// Revokes every not-yet-revoked certificate of a host; returns how many were revoked.
    public func revokeCertificates(hostID: String, reason: String, now: Int64) throws(StoreError) -> Int {
        try write { db in
            guard try Self.fetchHost(db, id: hostID) != nil else {
                throw StoreError.hostNotFound(hostID)
            }
            return try Self.revokeCertificates(db, hostID: hostID, reason: reason, now: now)
        }
    }

    /// Fingerprints of all revoked certificates, sorted.
    public func revokedFingerprints() throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(
                db,
                sql: "SELECT fingerprint FROM certificates WHERE revoked_at IS NOT NULL ORDER BY fingerprint"
            )
        }
    }

    /// The certificate with this fingerprint (case-insensitive hex).
    public func certificate(fingerprint: String) throws(StoreError) -> CertificateRecord? {
        try read { db in
            // Cached: every agent connection is authenticated through this look-up.
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(CertificateRecord.columns) FROM certificates WHERE fingerprint = ?"),
                arguments: [fingerprint.lowercased()]
            ).map(CertificateRecord.init(row:))
        }
    }

    /// A host's certificates, oldest first.
    public func certificates(hostID: String) throws(StoreError) -> [CertificateRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT \(CertificateRecord.columns) FROM certificates WHERE host_id = ? ORDER BY issued_at, serial",
                arguments: [hostID]
            ).map(CertificateRecord.init(row:))
        }
    }

    /// Revokes inside an open transaction; shared with host removal.
    @discardableResult
    static func revokeCertificates(_ db: Database, hostID: String, reason: String, now: Int64) throws -> Int {
        try db.execute(
            sql: """
                UPDATE certificates SET revoked_at = ?, revoke_reason = ?
                WHERE host_id = ? AND revoked_at IS NULL
                """,
            arguments: [now, reason, hostID]
        )
        return db.changesCount
    }
}

extension CertificateRecord {
    /// The columns `init(row:)` reads.
    static let columns = "serial, host_id, fingerprint, not_before, not_after, issued_at, revoked_at, revoke_reason"

    /// Decodes a `certificates` row.
    init(row: Row) throws {
        self.init(
            serial: try row.decode(forColumn: "serial"),
            hostID: try row.decode(forColumn: "host_id"),
            fingerprint: try row.decode(forColumn: "fingerprint"),
            notBefore: try row.decode(forColumn: "not_before"),
            notAfter: try row.decode(forColumn: "not_after"),
            issuedAt: try row.decode(forColumn: "issued_at"),
            revokedAt: try row.decode(forColumn: "revoked_at"),
            revokeReason: try row.decode(forColumn: "revoke_reason")
        )
    }
}
