import NIOHTTP1

extension HTTPHeaders {
    /// Headers that describe one connection, not the message; a proxy must not forward them.
    /// Framing headers (content-length, transfer-encoding) stay: the encoders re-frame from them.
    static let hopByHop = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"]

    /// Removes hop-by-hop headers, including those the `Connection` header names.
    mutating func removeHopByHop() {
        // One pass without allocating finds the usual cases: no hop-by-hop header at all, or
        // only `Connection: keep-alive` / `close`, which go like any other.
        var present: UInt8 = 0  // bit i: hopByHop[i] is here
        var namesOthers = false
        for (name, value) in self {
            guard let index = Self.hopByHopIndex(name) else { continue }
            present |= 1 << index
            if index == 0, !Self.isPlainConnectionValue(value) { namesOthers = true }
        }
        if present == 0 { return }
        if namesOthers {
            for token in self[canonicalForm: "connection"] where token != "close" && token != "keep-alive" {
                remove(name: String(token))
            }
        }
        for (index, name) in Self.hopByHop.enumerated() where present & (1 << index) != 0 { remove(name: name) }
    }

    /// The index in ``hopByHop`` of the name `name` spells in any case, if any.
    private static func hopByHopIndex(_ name: String) -> Int? {
        // Lengths first: most names are ruled out without looking at a byte.
        switch name.utf8.count {
        case 2, 7, 10, 16: break
        default: return nil
        }
        return hopByHop.firstIndex { equalsIgnoringASCIICase(name.utf8, lowercase: $0) }
    }

    /// Whether a `Connection` value is just `keep-alive` or `close` (names no other header).
    private static func isPlainConnectionValue(_ value: String) -> Bool {
        let bytes = value.utf8
        guard let first = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") }),
            let last = bytes.lastIndex(where: { $0 != UInt8(ascii: " ") })
        else { return false }
        let word = bytes[first...last]
        return equalsIgnoringASCIICase(word, lowercase: "keep-alive")
            || equalsIgnoringASCIICase(word, lowercase: "close")
    }

    /// Compares header bytes (token characters) with a lowercase ASCII word.
    private static func equalsIgnoringASCIICase<Bytes: Collection<UInt8>>(
        _ bytes: Bytes, lowercase word: String
    ) -> Bool {
        // Setting bit 5 lowercases letters and leaves `-` and digits as they are.
        bytes.count == word.utf8.count && bytes.elementsEqual(word.utf8) { $0 | 0x20 == $1 }
    }

    /// The value of a cookie in the `Cookie` header(s), if present.
    func cookie(named name: String) -> String? {
        for header in self["cookie"] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name { return String(trimmed[trimmed.index(after: equals)...]) }
            }
        }
        return nil
    }
}
