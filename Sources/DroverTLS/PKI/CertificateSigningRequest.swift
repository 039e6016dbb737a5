import COpenSSL

/// A PKCS#10 certificate signing request, owning an `X509_REQ`.
///
/// The CA only takes the public key from it: subject and SANs are always chosen by the CA.
public final class CertificateSigningRequest: @unchecked Sendable {
    /// The underlying `X509_REQ*`; owned by this object.
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_REQ_free(pointer)
    }

    /// Creates a CSR for `key`, self-signed with SHA-256. `commonName` is only a request.
    public convenience init(key: PrivateKey, commonName: String? = nil) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        guard let request = X509_REQ_new() else { throw PKIError.fromQueue("X509_REQ_new") }
        var succeeded = false
        defer { if !succeeded { X509_REQ_free(request) } }
        guard X509_REQ_set_version(request, 0) == 1 else { throw PKIError.fromQueue("X509_REQ_set_version") }
        if let commonName {
            guard let name = X509_REQ_get_subject_name(request) else {
                throw PKIError.fromQueue("X509_REQ_get_subject_name")
            }
            try X509NameBuilder.addCommonName(commonName, to: name)
        }
        guard X509_REQ_set_pubkey(request, key.pointer) == 1 else { throw PKIError.fromQueue("X509_REQ_set_pubkey") }
        guard X509_REQ_sign(request, key.pointer, EVP_sha256()) > 0 else { throw PKIError.fromQueue("X509_REQ_sign") }
        succeeded = true
        self.init(taking: request)
    }

    /// Parses a DER-encoded CSR; trailing bytes are rejected.
    public convenience init(der: [UInt8]) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let request: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let result = d2i_X509_REQ(nil, &cursor, buffer.count)
            if let result, cursor != buffer.baseAddress.map({ $0 + buffer.count }) {
                X509_REQ_free(result)
                return nil
            }
            return result
        }
        guard let request else {
            _ = OpenSSLErrorQueue.drain()
            throw PKIError.invalidDER("not a single PKCS#10 certificate request")
        }
        self.init(taking: request)
    }

    /// Parses a PEM CSR ("-----BEGIN CERTIFICATE REQUEST-----").
    public convenience init(pem: String) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let request = try MemoryBIO.withReadOnly(Array(pem.utf8)) { bio throws(PKIError) -> OpaquePointer in
            guard let request = PEM_read_bio_X509_REQ(bio, nil, nil, nil) else {
                _ = OpenSSLErrorQueue.drain()
                throw PKIError.invalidPEM("no certificate request found")
            }
            return request
        }
        self.init(taking: request)
    }

    /// The DER encoding.
    public var derBytes: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_X509_REQ(pointer, &out)
        guard length > 0, let out else { return [] }
        defer { drover_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// The CSR as PEM.
    public func pemString() throws(PKIError) -> String {
        OpenSSLErrorQueue.clear()
        let bytes = try MemoryBIO.collect("PEM_write_bio_X509_REQ") { bio in PEM_write_bio_X509_REQ(bio, pointer) == 1 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The common name the requester asked for (informational only).
    public var requestedCommonName: String? {
        guard let name = X509_REQ_get_subject_name(pointer) else { return nil }
        return X509Names.commonName(of: name)
    }

    /// DER SubjectPublicKeyInfo of the requested key.
    public var publicKeyDER: [UInt8] {
        guard let key = X509_REQ_get0_pubkey(pointer) else { return [] }
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_PUBKEY(key, &out)
        guard length > 0, let out else { return [] }
        defer { drover_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// Checks the self-signature (proof the requester holds the private key).
    public func verifySignature() throws(PKIError) {
        OpenSSLErrorQueue.clear()
        guard let key = X509_REQ_get0_pubkey(pointer), X509_REQ_verify(pointer, key) == 1 else {
            _ = OpenSSLErrorQueue.drain()
            throw PKIError.csrSignatureInvalid
        }
    }
}
