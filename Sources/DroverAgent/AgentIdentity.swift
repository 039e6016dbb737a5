import DroverSession
import DroverTLS

/// The agent's enrolled identity in its state directory: `agent.key`, `agent.crt`, `ca.crt`
/// (all mode 0600, the directory 0700).
public struct AgentIdentity: Sendable {
    /// The agent's private key.
    public let key: PrivateKey
    /// Its certificate, issued by the fleet CA.
    public let certificate: Certificate
    /// The fleet CA certificate, the only trust root from now on.
    public let caCertificate: Certificate

    /// The host id the controller chose (the certificate's CN).
    public var hostID: String { certificate.subjectCommonName ?? "" }

    /// Creates an identity.
    public init(key: PrivateKey, certificate: Certificate, caCertificate: Certificate) {
        self.key = key
        self.certificate = certificate
        self.caCertificate = caCertificate
    }

    static func keyPath(_ directory: String) -> String { directory + "/agent.key" }
    static func certificatePath(_ directory: String) -> String { directory + "/agent.crt" }
    static func caPath(_ directory: String) -> String { directory + "/ca.crt" }

    /// The identity stored in `directory`, or nil if the agent has not enrolled yet.
    public static func load(from directory: String) throws(AgentError) -> AgentIdentity? {
        guard PrivateFile.exists(certificatePath(directory)) else { return nil }
        do {
            return AgentIdentity(
                key: try PrivateKey(pem: try PrivateFile.readText(keyPath(directory))),
                certificate: try Certificate(pem: try PrivateFile.readText(certificatePath(directory))),
                caCertificate: try Certificate(pem: try PrivateFile.readText(caPath(directory))))
        } catch {
            throw .state("cannot load the identity in \(directory): \(error)")
        }
    }

    /// Writes the identity to `directory` (key first, certificate last: a certificate file
    /// means a complete identity).
    public func save(to directory: String) throws(AgentError) {
        do {
            try PrivateFile.makeDirectory(directory)
            try PrivateFile.write(try key.pemString(), to: Self.keyPath(directory))
            try PrivateFile.write(try caCertificate.pemString(), to: Self.caPath(directory))
            try PrivateFile.write(try certificate.pemString(), to: Self.certificatePath(directory))
        } catch {
            throw .state("cannot save the identity in \(directory): \(error)")
        }
    }
}
