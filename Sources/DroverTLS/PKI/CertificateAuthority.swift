import COpenSSL

/// The fleet CA: a self-signed CA certificate and its key, able to sign CSRs.
public struct CertificateAuthority: Sendable {
    /// The CA certificate (the fleet's only trust root).
    public let certificate: Certificate
    /// The CA private key.
    public let key: PrivateKey

    /// Pairs an existing CA certificate with its key; throws if they do not match.
    public init(certificate: Certificate, key: PrivateKey) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        guard X509_check_private_key(certificate.pointer, key.pointer) == 1 else {
            throw PKIError.fromQueue("X509_check_private_key")
        }
        self.certificate = certificate
        self.key = key
    }

    /// Creates a self-signed CA: basicConstraints CA:TRUE (critical), keyUsage keyCertSign+cRLSign, SKI/AKI.
    public static func createSelfSigned(
        commonName: String,
        key: PrivateKey,
        notBefore: Int64,
        notAfter: Int64
    ) throws(PKIError) -> CertificateAuthority {
        OpenSSLErrorQueue.clear()
        let x509 = try X509Builder.newCertificate(notBefore: notBefore, notAfter: notAfter)
        let owner = Certificate(taking: x509)  // owns x509 from here on, even on error paths
        guard let name = X509_get_subject_name(x509) else { throw PKIError.fromQueue("X509_get_subject_name") }
        try X509NameBuilder.addCommonName(commonName, to: name)
        guard X509_set_issuer_name(x509, name) == 1 else { throw PKIError.fromQueue("X509_set_issuer_name") }
        guard X509_set_pubkey(x509, key.pointer) == 1 else { throw PKIError.fromQueue("X509_set_pubkey") }
        try X509Builder.addExtension(NID_basic_constraints, "critical,CA:TRUE", to: x509, issuer: x509)
        try X509Builder.addExtension(NID_key_usage, "critical,keyCertSign,cRLSign", to: x509, issuer: x509)
        try X509Builder.addExtension(NID_subject_key_identifier, "hash", to: x509, issuer: x509)
        try X509Builder.addExtension(NID_authority_key_identifier, "keyid:always", to: x509, issuer: x509)
        guard X509_sign(x509, key.pointer, EVP_sha256()) > 0 else { throw PKIError.fromQueue("X509_sign") }
        // The digest cached at init covered the unsigned certificate; re-wrap to compute it over the final DER.
        return withExtendedLifetime(owner) { CertificateAuthority(unchecked: Certificate(borrowing: x509), key: key) }
    }

    private init(unchecked certificate: Certificate, key: PrivateKey) {
        self.certificate = certificate
        self.key = key
    }

    /// Issues a leaf certificate for the CSR's public key.
    ///
    /// The CA chooses the subject CN and SANs; nothing but the public key is taken from the CSR,
    /// and only after its self-signature verifies.
    public func sign(
        csr: CertificateSigningRequest,
        subjectCommonName: String,
        dnsNames: [String] = [],
        ipAddresses: [String] = [],
        notBefore: Int64,
        notAfter: Int64,
        usage: CertificateUsage
    ) throws(PKIError) -> Certificate {
        try csr.verifySignature()
        OpenSSLErrorQueue.clear()
        guard let publicKey = X509_REQ_get0_pubkey(csr.pointer) else { throw PKIError.fromQueue("X509_REQ_get0_pubkey") }
        let x509 = try X509Builder.newCertificate(notBefore: notBefore, notAfter: notAfter)
        let unsigned = Certificate(taking: x509)  // owns x509 on every path
        guard let subject = X509_get_subject_name(x509) else { throw PKIError.fromQueue("X509_get_subject_name") }
        try X509NameBuilder.addCommonName(subjectCommonName, to: subject)
        guard X509_set_issuer_name(x509, X509_get_subject_name(certificate.pointer)) == 1 else {
            throw PKIError.fromQueue("X509_set_issuer_name")
        }
        guard X509_set_pubkey(x509, publicKey) == 1 else { throw PKIError.fromQueue("X509_set_pubkey") }
        let issuer = certificate.pointer
        try X509Builder.addExtension(NID_basic_constraints, "critical,CA:FALSE", to: x509, issuer: issuer)
        try X509Builder.addExtension(NID_key_usage, "critical,digitalSignature", to: x509, issuer: issuer)
        try X509Builder.addExtension(NID_ext_key_usage, usage.extendedKeyUsageValue, to: x509, issuer: issuer)
        try X509Builder.addExtension(NID_subject_key_identifier, "hash", to: x509, issuer: issuer)
        try X509Builder.addExtension(NID_authority_key_identifier, "keyid:always", to: x509, issuer: issuer)
        try X509Builder.addSubjectAltNames(dnsNames: dnsNames, ipAddresses: ipAddresses, to: x509)
        guard X509_sign(x509, key.pointer, EVP_sha256()) > 0 else { throw PKIError.fromQueue("X509_sign") }
        return withExtendedLifetime(unsigned) { Certificate(borrowing: x509) }
    }
}
