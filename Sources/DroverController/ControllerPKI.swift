import DroverSession
import DroverTLS
import DroverWire

/// The controller's key material in its data directory: the fleet CA (created once) and the
/// controller's server certificate (re-issued at every start, so its names follow the
/// configuration).
///
/// Files: `ca.key` (0600), `ca.crt`, `controller.key` (0600), `controller.crt`,
/// `session-ticket.key` (0600).
public struct ControllerPKI: Sendable {
    /// The fleet CA.
    public let ca: CertificateAuthority
    /// The controller's server certificate, signed by the CA.
    public let serverCertificate: Certificate
    /// Its key.
    public let serverKey: PrivateKey
    /// Whether the CA was created by this call (first start).
    public let createdCA: Bool
    /// The TLS session-ticket keys, kept across restarts so that agents resume their TLS
    /// sessions after a controller restart instead of paying for full handshakes all at once.
    public let sessionTicketKeys: [UInt8]

    /// How long agents may resume with a ticket; also the age at which the keys are replaced.
    public static let sessionLifetime: Duration = .seconds(7 * 86_400)

    /// The pin agents use to trust this controller: `sha256:<hex of the CA certificate DER>`.
    public var caPin: String { ca.certificate.pin }

    /// Loads the CA from `directory`, or creates it on first start, then issues a server
    /// certificate for `serverNames` plus 127.0.0.1.
    public static func loadOrCreate(directory: String, serverNames: [String], now: Int64) throws -> ControllerPKI {
        let caKeyPath = directory + "/ca.key"
        let caCertPath = directory + "/ca.crt"
        let day: Int64 = 86_400
        let ca: CertificateAuthority
        let created: Bool
        if PrivateFile.exists(caKeyPath) {
            let key = try PrivateKey(pem: try PrivateFile.readText(caKeyPath))
            let certificate = try Certificate(pem: try PrivateFile.readText(caCertPath))
            ca = try CertificateAuthority(certificate: certificate, key: key)
            created = false
        } else {
            let key = try PrivateKey.generateP256()
            ca = try CertificateAuthority.createSelfSigned(
                commonName: "Drover Fleet CA", key: key, notBefore: now - 300, notAfter: now + 10 * 365 * day)
            // Certificate first: a crash between the writes leaves no key without its certificate.
            try PrivateFile.write(try ca.certificate.pemString(), to: caCertPath)
            try PrivateFile.write(try key.pemString(), to: caKeyPath)
            created = true
        }

        var dnsNames: [String] = []
        var ipAddresses = ["127.0.0.1"]
        for name in serverNames where !name.isEmpty {
            if Self.isIPAddress(name) {
                if !ipAddresses.contains(name) { ipAddresses.append(name) }
            } else if !dnsNames.contains(name) {
                dnsNames.append(name)
            }
        }
        let serverKey = try PrivateKey.generateP256()
        let csr = try CertificateSigningRequest(key: serverKey, commonName: "drover-controller")
        let serverCertificate = try ca.sign(
            csr: csr, subjectCommonName: dnsNames.first ?? "drover-controller", dnsNames: dnsNames,
            ipAddresses: ipAddresses, notBefore: now - 300, notAfter: now + 365 * day, usage: .server)
        try PrivateFile.write(try serverCertificate.pemString(), to: directory + "/controller.crt")
        try PrivateFile.write(try serverKey.pemString(), to: directory + "/controller.key")
        return ControllerPKI(
            ca: ca, serverCertificate: serverCertificate, serverKey: serverKey, createdCA: created,
            sessionTicketKeys: try loadOrCreateTicketKeys(path: directory + "/session-ticket.key", now: now))
    }

    /// The ticket keys in `path`, or fresh random ones when the file is missing, malformed or
    /// older than ``sessionLifetime`` (every ticket sealed with the old keys has expired by then).
    static func loadOrCreateTicketKeys(path: String, now: Int64) throws -> [UInt8] {
        if let modified = PrivateFile.modificationTime(path), now - modified < sessionLifetime.components.seconds,
            let keys = try? PrivateFile.read(path), keys.count == TLSConfiguration.ticketKeyLength
        {
            return keys
        }
        var generator = SystemRandomNumberGenerator()  // getrandom(2): a CSPRNG
        let keys = (0..<TLSConfiguration.ticketKeyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try PrivateFile.write(keys, to: path)
        return keys
    }

    /// The agent-facing TLS server: one port, both ALPN protocols, client certificates
    /// requested (required later for `drover/1`), revoked certificates refused.
    public func serverTLSConfiguration(denyList: TLSDenyList) -> TLSConfiguration {
        var configuration = TLSConfiguration.server(
            certificateChain: [serverCertificate, ca.certificate],  // the CA in the chain lets enrolling agents check their pin
            privateKey: serverKey,
            trustRoots: [ca.certificate],
            peerVerification: .optionalClientCertificate)
        configuration.alpnProtocols = [DroverVersion.alpn, DroverVersion.enrollmentALPN]
        configuration.denyList = denyList
        configuration.sessionTicketKeys = sessionTicketKeys
        configuration.sessionLifetime = Self.sessionLifetime
        return configuration
    }

    static func isIPAddress(_ text: String) -> Bool {
        if text.contains(":") { return true }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
