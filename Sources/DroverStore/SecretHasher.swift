/// Hashes token secrets before they are stored or compared.
///
/// The store never keeps a secret, only `hexDigest(secret)`. The default is ``SHA256Hasher``;
/// the controller can plug in OpenSSL's SHA-256 as long as it produces the same digest.
public protocol SecretHasher: Sendable {
    /// Returns the lowercase hex digest of `secret`'s UTF-8 bytes.
    func hexDigest(_ secret: String) -> String
}

/// The pure-Swift SHA-256 ``SecretHasher``.
public struct SHA256Hasher: SecretHasher {
    /// Creates the hasher.
    public init() {}

    /// Returns the lowercase hex SHA-256 of `secret`'s UTF-8 bytes.
    public func hexDigest(_ secret: String) -> String {
        Hex.encode(SHA256.hash(secret.utf8))
    }
}

/// Lowercase hex encoding and a timing-safe comparison.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares two strings in time that depends only on their lengths, not their contents.
    ///
    /// Why: a digest compared with `==` stops at the first differing byte, which leaks how
    /// much of a guess was right.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count {
            difference |= 1
        }
        let count = min(a.count, b.count)
        for index in 0..<count {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }
}
