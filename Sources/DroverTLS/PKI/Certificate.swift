import COpenSSL

/// An X.509 certificate, owning an `X509`.
///
/// Immutable after creation, so sharing it across threads is safe.
public final class Certificate: @unchecked Sendable {
    /// The underlying `X509*`; owned (one reference) by this object.
    let pointer: OpaquePointer
    /// SHA-256 over the DER encoding, computed once: pins and deny-list checks use it constantly.
    let sha256Digest: [UInt8]

    /// Takes ownership of one reference to `pointer`.
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        if X509_digest(pointer, EVP_sha256(), &digest, &length) != 1 {
            _ = OpenSSLErrorQueue.drain()
            digest = []
        }
        self.sha256Digest = digest
    }

    /// Adds a reference to a borrowed `pointer` (e.g. from `SSL_get0_peer_certificate`).
    convenience init(borrowing pointer: OpaquePointer) {
        X509_up_ref(pointer)
        self.init(taking: pointer)
    }

    deinit {
        X509_free(pointer)
    }

    /// Parses the first certificate of a PEM string.
    public convenience init(pem: String) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let x509 = try MemoryBIO.withReadOnly(Array(pem.utf8)) { bio throws(PKIError) -> OpaquePointer in
            guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else {
                _ = OpenSSLErrorQueue.drain()
                throw PKIError.invalidPEM("no certificate found")
            }
            return x509
        }
        self.init(taking: x509)
    }

    /// Parses a DER-encoded certificate; trailing bytes are rejected.
    public convenience init(der: [UInt8]) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let x509: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            let result = d2i_X509(nil, &cursor, buffer.count)
            if let result, cursor != buffer.baseAddress.map({ $0 + buffer.count }) {
                X509_free(result)
                return nil
            }
            return result
        }
        guard let x509 else {
            _ = OpenSSLErrorQueue.drain()
            throw PKIError.invalidDER("not a single X.509 certificate")
        }
        self.init(taking: x509)
    }

    /// Parses every certificate in a PEM bundle, in order. Throws if there are none.
    public static func loadBundle(pem: String) throws(PKIError) -> [Certificate] {
        OpenSSLErrorQueue.clear()
        let certificates = try MemoryBIO.withReadOnly(Array(pem.utf8)) { bio throws(PKIError) -> [Certificate] in
            var certificates: [Certificate] = []
            // Each successful read consumes one PEM block, so this terminates at the end of input.
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(Certificate(taking: x509))
            }
            return certificates
        }
        // The final read always fails with "no start line"; that is the normal end of the bundle.
        _ = OpenSSLErrorQueue.drain()
        guard !certificates.isEmpty else { throw PKIError.invalidPEM("no certificate found in bundle") }
        return certificates
    }

    /// Encodes several certificates as one PEM bundle.
    public static func pemBundle(_ certificates: [Certificate]) throws(PKIError) -> String {
        var out = ""
        for certificate in certificates {
            out += try certificate.pemString()
        }
        return out
    }

    /// The certificate as PEM ("-----BEGIN CERTIFICATE-----").
    public func pemString() throws(PKIError) -> String {
        OpenSSLErrorQueue.clear()
        let bytes = try MemoryBIO.collect("PEM_write_bio_X509") { bio in PEM_write_bio_X509(bio, pointer) == 1 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The DER encoding.
    public var derBytes: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_X509(pointer, &out)
        guard length > 0, let out else { return [] }
        defer { drover_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// Lowercase hex SHA-256 over the DER (no separators); `openssl x509 -fingerprint -sha256` without colons.
    public var sha256Fingerprint: String { Hex.encode(sha256Digest) }

    /// `"sha256:" + sha256Fingerprint`, the form used for CA pins.
    public var pin: String { "sha256:" + sha256Fingerprint }

    /// The serial number as lowercase hex without leading zeros.
    public var serialHex: String {
        guard let serial = X509_get0_serialNumber(pointer), let bignum = ASN1_INTEGER_to_BN(serial, nil) else {
            _ = OpenSSLErrorQueue.drain()
            return ""
        }
        defer { BN_free(bignum) }
        guard let hex = BN_bn2hex(bignum) else { return "" }
        defer { drover_OPENSSL_free(hex) }
        return String(cString: hex).lowercased()
    }

    /// Start of validity, Unix seconds.
    public var notBefore: Int64 { Self.unixSeconds(X509_get0_notBefore(pointer)) }

    /// End of validity, Unix seconds.
    public var notAfter: Int64 { Self.unixSeconds(X509_get0_notAfter(pointer)) }

    /// Whether basicConstraints marks this certificate as a CA.
    public var isCA: Bool {
        (X509_get_extension_flags(pointer) & UInt32(EXFLAG_CA)) != 0
    }

    private static func unixSeconds(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard let time, let epoch = ASN1_TIME_set(nil, 0) else { return 0 }
        defer { ASN1_TIME_free(epoch) }
        var days: Int32 = 0
        var seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, epoch, time) == 1 else {
            _ = OpenSSLErrorQueue.drain()
            return 0
        }
        return Int64(days) * 86_400 + Int64(seconds)
    }
}

extension Certificate: Equatable {
    /// Two certificates are equal when their DER encodings are (compared by SHA-256).
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool {
        lhs.sha256Digest == rhs.sha256Digest
    }
}
