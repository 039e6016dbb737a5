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

    static func commitMarkerPath(_ directory: String) -> String { directory + "/identity.commit" }

    /// The files of an identity, in the order they are replaced.
    static func paths(_ directory: String) -> [String] {
        [keyPath(directory), caPath(directory), renewAfterPath(directory), certificatePath(directory)]
    }

    /// The identity stored in `directory`, or nil if the agent has not enrolled yet.
    ///
    /// Finishes or discards a save that a crash interrupted first (see ``save(to:)``).
    public static func load(from directory: String) throws(AgentError) -> AgentIdentity? {
        do {
            try recover(directory)
        } catch {
            throw .state("cannot recover the identity in \(directory): \(error)")
        }
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

    /// Writes the identity to `directory`, all four files or none of them.
    ///
    /// A renewal replaces key and certificate together; replacing them one by one would leave
    /// the new key beside the old certificate after a crash between two renames, and the host
    /// would have to enroll again. So the new files are written beside the old ones
    /// (`*.new`), then a commit marker is written (the atomic decision point), then each file is
    /// renamed into place and the marker removed. ``load(from:)`` rolls a marked save forward
    /// and throws away unmarked `*.new` files.
    public func save(to directory: String) throws(AgentError) {
        do {
            try PrivateFile.makeDirectory(directory)
            let contents = [
                try key.pemString(), try caCertificate.pemString(), "\(renewAfterUnixMs)\n", try certificate.pemString(),
            ]
            for (path, text) in zip(Self.paths(directory), contents) {
                try PrivateFile.write(text, to: path + ".new")
            }
            try PrivateFile.write("commit\n", to: Self.commitMarkerPath(directory))
            try Self.recover(directory)
        } catch {
            throw .state("cannot save the identity in \(directory): \(error)")
        }
    }

    /// Completes a committed save (marker present: move every `*.new` into place) or discards
    /// an uncommitted one (no marker: remove stray `*.new` files).
    static func recover(_ directory: String) throws(PrivateFile.Failure) {
        let committed = PrivateFile.exists(commitMarkerPath(directory))
        for path in paths(directory) where PrivateFile.exists(path + ".new") {
            if committed {
                try PrivateFile.move(path + ".new", to: path)
            } else {
                try PrivateFile.remove(path + ".new")
            }
        }
        if committed { try PrivateFile.remove(commitMarkerPath(directory)) }
    }
}
