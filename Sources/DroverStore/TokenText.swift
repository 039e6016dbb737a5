/// Random identifiers and the `drv_…` token text format shared by join and API tokens.
enum TokenText {
    /// Public ids: lowercase letters and digits, easy to read out and never containing `_`.
    static let idAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    /// Secrets: base62, about 5.95 bits per character.
    static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    /// Length of a token's public id.
    static let idLength = 8
    /// Length of a token's secret: 32 base62 characters, about 190 bits.
    static let secretLength = 32

    /// Returns `count` characters drawn uniformly from `alphabet`.
    static func random(
        count: Int,
        from alphabet: [UInt8],
        using generator: inout some RandomNumberGenerator
    ) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Splits `prefix<id>_<secret>` into its parts, checking lengths and alphabets.
    ///
    /// Error reasons describe the expected shape and never quote the input, which may hold a secret.
    static func parse(
        _ text: String,
        prefix: String,
        kind: String
    ) throws(StoreError) -> (id: String, secret: String) {
        let shape = "expected \(kind) of the form \(prefix)<id>_<secret>"
        let trimmed = text.trimmingASCIIWhitespace()
        guard trimmed.hasPrefix(prefix) else {
            throw .malformedToken(reason: "\(shape) (wrong prefix)")
        }
        let parts = trimmed.dropFirst(prefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .malformedToken(reason: "\(shape) (wrong number of parts)")
        }
        let id = String(parts[0])
        let secret = String(parts[1])
        guard id.utf8.count == idLength, id.utf8.allSatisfy(idAlphabet.contains) else {
            throw .malformedToken(reason: "\(shape) (id must be \(idLength) characters a-z, 0-9)")
        }
        guard secret.utf8.count == secretLength, secret.utf8.allSatisfy(secretAlphabet.contains) else {
            throw .malformedToken(reason: "\(shape) (secret must be \(secretLength) characters A-Z, a-z, 0-9)")
        }
        return (id, secret)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks (pasted tokens often carry them).
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d }
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
            let last = bytes.lastIndex(where: { !isSpace($0) })
        else {
            return ""
        }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
