import DroverTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A complete throwaway PKI for tests: fleet CA, controller and agent certificates, an unrelated
/// CA, and an expired agent certificate.
public struct TestPKI: Sendable {
    /// The controller's DNS name in its certificate.
    public static let serverName = "controller.drover.test"
    /// The controller's IP SAN.
    public static let serverIP = "127.0.0.1"

    /// A PKI shared by every test in the process (key generation is cheap, but why repeat it).
    public static let shared: TestPKI = {
        do {
            return try TestPKI()
        } catch {
            fatalError("TestPKI: \(error)")
        }
    }()

    /// Wall-clock time the PKI was built at, Unix seconds.
    public let now: Int64
    /// The fleet CA.
    public let ca: CertificateAuthority
    /// Controller key and certificate (CN and DNS `controller.drover.test`, IP 127.0.0.1, serverAuth).
    public let serverKey: PrivateKey
    public let serverCertificate: Certificate
    /// Agent key and certificate (CN `agent-1`, clientAuth).
    public let clientKey: PrivateKey
    public let clientCertificate: Certificate
    /// A CA unrelated to the fleet, and an agent certificate it issued.
    public let otherCA: CertificateAuthority
    public let otherClientKey: PrivateKey
    public let otherClientCertificate: Certificate
    /// An agent certificate from the fleet CA that expired yesterday.
    public let expiredClientKey: PrivateKey
    public let expiredClientCertificate: Certificate

    /// Builds everything with fresh keys.
    public init() throws {
        let now = Self.unixNow()
        self.now = now
        let day: Int64 = 86_400
        ca = try CertificateAuthority.createSelfSigned(
            commonName: "Drover Test CA", key: try PrivateKey.generateP256(),
            notBefore: now - day, notAfter: now + 365 * day)
        serverKey = try PrivateKey.generateP256()
        serverCertificate = try ca.sign(
            csr: try CertificateSigningRequest(key: serverKey, commonName: "ignored"),
            subjectCommonName: Self.serverName, dnsNames: [Self.serverName], ipAddresses: [Self.serverIP],
            notBefore: now - day, notAfter: now + 90 * day, usage: .server)
        (clientKey, clientCertificate) = try Self.issue(by: ca, commonName: "agent-1", notBefore: now - day, notAfter: now + 90 * day)
        otherCA = try CertificateAuthority.createSelfSigned(
            commonName: "Unrelated CA", key: try PrivateKey.generateP256(),
            notBefore: now - day, notAfter: now + 365 * day)
        (otherClientKey, otherClientCertificate) = try Self.issue(
            by: otherCA, commonName: "agent-1", notBefore: now - day, notAfter: now + 90 * day)
        (expiredClientKey, expiredClientCertificate) = try Self.issue(
            by: ca, commonName: "agent-expired", notBefore: now - 30 * day, notAfter: now - day)
    }

    /// Issues a fresh client key and certificate from `ca`.
    public static func issue(
        by ca: CertificateAuthority,
        commonName: String,
        notBefore: Int64,
        notAfter: Int64,
        usage: CertificateUsage = .client
    ) throws -> (PrivateKey, Certificate) {
        let key = try PrivateKey.generateP256()
        let certificate = try ca.sign(
            csr: try CertificateSigningRequest(key: key, commonName: commonName),
            subjectCommonName: commonName, notBefore: notBefore, notAfter: notAfter, usage: usage)
        return (key, certificate)
    }

    /// Issues another valid agent certificate from the fleet CA.
    public func issueClient(commonName: String) throws -> (PrivateKey, Certificate) {
        try Self.issue(by: ca, commonName: commonName, notBefore: now - 86_400, notAfter: now + 90 * 86_400)
    }

    /// Which client identity a test configuration presents.
    public enum ClientIdentity: Sendable {
        case valid
        case none
        case otherCA
        case expired
        case custom(PrivateKey, Certificate)
    }

    /// The controller's configuration: chain includes the CA (so pin-mode clients can find it).
    public func serverConfiguration(
        peerVerification: TLSConfiguration.PeerVerification = .fullVerification,
        denyList: TLSDenyList? = nil
    ) -> TLSConfiguration {
        var configuration = TLSConfiguration.server(
            certificateChain: [serverCertificate, ca.certificate], privateKey: serverKey,
            trustRoots: [ca.certificate], peerVerification: peerVerification)
        configuration.denyList = denyList
        return configuration
    }

    /// An agent's configuration with the chosen identity.
    public func clientConfiguration(
        identity: ClientIdentity = .valid,
        peerVerification: TLSConfiguration.PeerVerification = .fullVerification,
        denyList: TLSDenyList? = nil
    ) -> TLSConfiguration {
        let pair: (PrivateKey, Certificate)?
        switch identity {
        case .valid: pair = (clientKey, clientCertificate)
        case .none: pair = nil
        case .otherCA: pair = (otherClientKey, otherClientCertificate)
        case .expired: pair = (expiredClientKey, expiredClientCertificate)
        case .custom(let key, let certificate): pair = (key, certificate)
        }
        let roots: [Certificate]
        if case .caPin = peerVerification { roots = [] } else { roots = [ca.certificate] }
        var configuration = TLSConfiguration.client(
            certificateChain: pair.map { [$0.1] } ?? [], privateKey: pair?.0,
            trustRoots: roots, peerVerification: peerVerification)
        configuration.denyList = denyList
        return configuration
    }

    /// Current wall-clock time, Unix seconds.
    public static func unixNow() -> Int64 {
        Int64(time(nil))
    }
}
