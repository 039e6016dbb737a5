import COpenSSL

/// Small helpers for moving bytes through OpenSSL memory BIOs (PEM/DER encode and decode).
enum MemoryBIO {
    /// Runs `body` with a fresh writable memory BIO and returns what it wrote.
    static func collect(_ operation: String, _ body: (OpaquePointer) -> Bool) throws(PKIError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw PKIError.fromQueue(operation) }
        defer { BIO_free(bio) }
        guard body(bio) else { throw PKIError.fromQueue(operation) }
        var pointer: UnsafeMutablePointer<CChar>? = nil
        let length = drover_BIO_get_mem_data(bio, &pointer)
        guard length > 0, let pointer else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// Runs `body` with a read-only memory BIO over `bytes`.
    static func withReadOnly<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws(PKIError) -> T) throws(PKIError) -> T {
        // Array.withUnsafeBytes is untyped-rethrows; carry the typed error out through a Result.
        let result: Result<T, PKIError> = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                return .failure(PKIError.fromQueue("BIO_new_mem_buf"))
            }
            defer { BIO_free(bio) }
            do throws(PKIError) {
                return .success(try body(bio))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Hex helpers shared by fingerprints and pins.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// SHA-256 of `bytes`, via libcrypto.
    static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_sha256(), nil)
        return digest
    }
}
