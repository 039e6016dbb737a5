import NIOHTTP1

extension HTTPHeaders {
    /// Headers that describe one connection, not the message; a proxy must not forward them.
    /// Framing headers (content-length, transfer-encoding) stay: the encoders re-frame from them.
    static let hopByHop = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"]

    /// Removes hop-by-hop headers, including those the `Connection` header names.
    mutating func removeHopByHop() {
        for token in self[canonicalForm: "connection"] where token != "close" && token != "keep-alive" {
            remove(name: String(token))
        }
        for name in Self.hopByHop where contains(name: name) { remove(name: name) }
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
