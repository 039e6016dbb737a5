/// The answer to `POST /v1/hosts/{id}/drain|undrain|remove`.
public struct HostActionResult: Codable, Sendable, Equatable {
    /// Host id.
    public var id: String
    /// Host name.
    public var name: String
    /// The state after the action.
    public var state: String
    /// Certificates revoked by this action (remove only).
    public var revokedCertificates: Int

    enum CodingKeys: String, CodingKey {
        case id, name, state
        case revokedCertificates = "revoked_certificates"
    }

    /// Creates a result.
    public init(id: String, name: String, state: String, revokedCertificates: Int = 0) {
        self.id = id
        self.name = name
        self.state = state
        self.revokedCertificates = revokedCertificates
    }
}
