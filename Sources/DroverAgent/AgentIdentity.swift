import DroverSession
import DroverTLS
import DroverWire

/// The agent's enrolled identity in its state directory: `agent.key`, `agent.crt`, `ca.crt`
/// (all mode 0600, the directory 0700).
public struct AgentIdentity: Sendable {
    /// The agent's private key.
    public let key: PrivateKey
    /// Its certificate, issued by the fleet CA.
    public let certificate: Certificate
    /// The fleet CA certificate, the only trust root from now on.
    public let caCertificate: Certificate
    /// When to renew the certificate, Unix milliseconds (the controller's `renew_after_unix_ms`).
    public let renewAfterUnixMs: Int64

    /// The host id the controller chose (the certificate's CN).
    public var hostID: String { certificate.subjectCommonName ?? "" }

    /// Creates an identity; without `renewAfterUnixMs`, renewal is due at 2/3 of the validity.
    public init(key: PrivateKey, certificate: Certificate, caCertificate: Certificate, renewAfterUnixMs: Int64? = nil) {
        self.key = key
        self.certificate = certificate
        self.caCertificate = caCertificate
        self.renewAfterUnixMs = renewAfterUnixMs
            ?? (certificate.notBefore + (certificate.notAfter - certificate.notBefore) * 2 / 3) * 1000
    }

    /// The identity after a renewal: the new key and certificate, the same CA.
    public init(renewing current: AgentIdentity, key: PrivateKey, response: Drover_V1_EnrollResponse) throws {
        let certificate = try Certificate(der: Array(response.certificateDer))
        let caCertificate = try Certificate(der: Array(response.caCertificateDer))
        guard caCertificate == current.caCertificate else {
            throw AgentError.state("the renewed certificate comes with a different CA certificate; refusing it")
        }
        guard certificate.subjectCommonName == current.hostID else {
            throw AgentError.state("the renewed certificate is for \(certificate.subjectCommonName ?? "nobody"), not \(current.hostID)")
        }
        self.init(key: key, certificate: certificate, caCertificate: caCertificate, renewAfterUnixMs: response.renewAfterUnixMs)
    }

    static func keyPath(_ directory: String) -> String { directory + "/agent.key" }
    static func certificatePath(_ directory: String) -> String { directory + "/agent.crt" }
    static func caPath(_ directory: String) -> String { directory + "/ca.crt" }
    static func renewAfterPath(_ directory: String) -> String { directory + "/renew-after" }

    /// The identity stored in `directory`, or nil if the agent has not enrolled yet.
    public static func load(from directory: String) throws(AgentError) -> AgentIdentity? {
        guard PrivateFile.exists(certificatePath(directory)) else { return nil }
        do {
            let renewAfter = PrivateFile.exists(renewAfterPath(directory))
                ? Int64(try PrivateFile.readText(renewAfterPath(directory)).filter { !$0.isWhitespace }) : nil
            return AgentIdentity(
                key: try PrivateKey(pem: try PrivateFile.readText(keyPath(directory))),
                certificate: try Certificate(pem: try PrivateFile.readText(certificatePath(directory))),
                caCertificate: try Certificate(pem: try PrivateFile.readText(caPath(directory))),
                renewAfterUnixMs: renewAfter)
        } catch {
            throw .state("cannot load the identity in \(directory): \(error)")
        }
    }

    /// Writes the identity to `directory`. Each file is replaced atomically (temporary file +
    /// rename), in the order key, CA, renewal time, certificate. A crash between two renames
    /// during a renewal can pair the new key with the old certificate, which then fails the
    /// TLS key check and needs re-enrollment (TODO: write into a fresh directory and swap a
    /// symlink).
    public func save(to directory: String) throws(AgentError) {
        do {
            try PrivateFile.makeDirectory(directory)
            try PrivateFile.write(try key.pemString(), to: Self.keyPath(directory))
            try PrivateFile.write(try caCertificate.pemString(), to: Self.caPath(directory))
            try PrivateFile.write("\(renewAfterUnixMs)\n", to: Self.renewAfterPath(directory))
            try PrivateFile.write(try certificate.pemString(), to: Self.certificatePath(directory))
        } catch {
            throw .state("cannot save the identity in \(directory): \(error)")
        }
    }
}
