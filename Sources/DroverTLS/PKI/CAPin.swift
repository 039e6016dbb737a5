/// A pin on a CA certificate: `sha256:` followed by the 64-hex SHA-256 of the certificate's DER.
///
/// An enrolling agent that does not know the fleet CA yet trusts a server only if the chain it
/// presents contains a certificate with this pin (like kubeadm's discovery token CA cert hash).
public struct CAPin: Sendable, Hashable, CustomStringConvertible {
    /// The 32-byte SHA-256 digest.
    public let digest: [UInt8]

    /// Parses `sha256:<64 hex digits>` (hex case-insensitive, surrounding whitespace ignored).
    public init(parsing text: String) throws(PKIError) {
        let trimmed = text.trimmingASCIIWhitespace()
        let prefix = "sha256:"
        guard trimmed.lowercased().hasPrefix(prefix) else {
            throw PKIError.invalidPin("expected \"sha256:<64 hex digits>\", got \"\(trimmed.prefix(80))\"")
        }
        let hex = Array(trimmed.utf8.dropFirst(prefix.utf8.count))
        guard hex.count == 64 else {
            throw PKIError.invalidPin("expected 64 hex digits after \"sha256:\", got \(hex.count)")
        }
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = Self.nibble(hex[index]), let low = Self.nibble(hex[index + 1]) else {
                throw PKIError.invalidPin("non-hex character in digest")
            }
            digest.append(high << 4 | low)
            index += 2
        }
        self.digest = digest
    }

    /// A pin over an existing certificate.
    public init(certificate: Certificate) {
        self.digest = certificate.sha256Digest
    }

    /// The canonical lowercase form `sha256:<hex>`.
    public var description: String { "sha256:" + Hex.encode(digest) }

    /// Whether `certificate` is the pinned one.
    public func matches(_ certificate: Certificate) -> Bool {
        certificate.sha256Digest == digest
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
