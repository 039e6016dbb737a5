/// A certificate the fleet CA issued to a host.
public struct CertificateRecord: Sendable, Equatable, Codable {
    /// Serial number, lowercase hex; the primary key.
    public var serial: String
    /// The host the certificate identifies.
    public var hostID: String
    /// SHA-256 of the DER certificate, lowercase hex; unique.
    public var fingerprint: String
    /// Start of validity, Unix milliseconds.
    public var notBefore: Int64
    /// End of validity, Unix milliseconds.
    public var notAfter: Int64
    /// When the controller signed it, Unix milliseconds.
    public var issuedAt: Int64
    /// Revocation time, Unix milliseconds, or `nil` while valid.
    public var revokedAt: Int64?
    /// Why it was revoked (for example "host removed").
    public var revokeReason: String?

    /// Creates a record; `serial` and `fingerprint` are stored lowercased.
    public init(
        serial: String,
        hostID: String,
        fingerprint: String,
        notBefore: Int64,
        notAfter: Int64,
        issuedAt: Int64,
        revokedAt: Int64? = nil,
        revokeReason: String? = nil
    ) {
        self.serial = serial.lowercased()
        self.hostID = hostID
        self.fingerprint = fingerprint.lowercased()
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.issuedAt = issuedAt
        self.revokedAt = revokedAt
        self.revokeReason = revokeReason
    }
}
