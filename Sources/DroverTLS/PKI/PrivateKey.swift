import COpenSSL

/// An EC P-256 (or any OpenSSL-supported) private key, owning an `EVP_PKEY`.
///
/// Immutable after creation, so sharing it across threads is safe.
public final class PrivateKey: @unchecked Sendable {
    /// The underlying `EVP_PKEY*`; owned by this object.
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// Generates a fresh EC P-256 key.
    public static func generateP256() throws(PKIError) -> PrivateKey {
        OpenSSLErrorQueue.clear()
        guard let key = drover_EVP_EC_gen_P256() else { throw PKIError.fromQueue("EVP_EC_gen(P-256)") }
        return PrivateKey(taking: key)
    }

    /// Loads an unencrypted PEM private key (PKCS#8 or traditional).
    public convenience init(pem: String) throws(PKIError) {
        OpenSSLErrorQueue.clear()
        let key = try MemoryBIO.withReadOnly(Array(pem.utf8)) { bio throws(PKIError) -> OpaquePointer in
            // A nil password callback with a NULL user pointer refuses encrypted keys instead of prompting.
            guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
                _ = OpenSSLErrorQueue.drain()
                throw PKIError.invalidPEM("no private key found")
            }
            return key
        }
        self.init(taking: key)
    }

    /// The key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    public func pemString() throws(PKIError) -> String {
        OpenSSLErrorQueue.clear()
        let bytes = try MemoryBIO.collect("PEM_write_bio_PrivateKey") { bio in
            PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil) == 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The public half as DER SubjectPublicKeyInfo.
    public var publicKeyDER: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_PUBKEY(pointer, &out)
        guard length > 0, let out else { return [] }
        defer { drover_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}
