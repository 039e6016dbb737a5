/// One HTTP request as a router sees it: plain values, no NIO types.
public struct APIRequest: Sendable, Equatable {
    /// Upper-case method, e.g. `GET`.
    public var method: String
    /// The path without the query, e.g. `/v1/hosts/web-1`.
    public var path: String
    /// Decoded query parameters (the last value wins).
    public var query: [String: String]
    /// Headers with lower-cased names (the last value wins).
    public var headers: [String: String]
    /// The body, at most the server's body limit.
    public var body: [UInt8]
    /// The server-assigned id of this request (`X-Request-Id` in the answer, and in logs and
    /// the audit log), so an operator can match an error to its log line.
    public var requestID: String
    /// The peer's IP address, when the server knows it.
    public var remoteAddress: String?

    /// Creates a request; `target` is the request target (path and optional query).
    public init(
        method: String,
        target: String,
        headers: [String: String] = [:],
        body: [UInt8] = [],
        requestID: String = RequestID.make(),
        remoteAddress: String? = nil
    ) {
        self.requestID = requestID
        self.remoteAddress = remoteAddress
        self.method = method.uppercased()
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.path = parts.first.map(String.init) ?? "/"
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = PercentDecoding.decode(String(kv[0]))
                query[key] = kv.count == 2 ? PercentDecoding.decode(String(kv[1])) : ""
            }
        }
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
        self.body = body
    }

    /// Path segments, percent-decoded: `/v1/hosts/a%20b` gives `["v1", "hosts", "a b"]`.
    public var pathSegments: [String] {
        path.split(separator: "/").map { PercentDecoding.decode(String($0)) }
    }
}

/// Request ids: `req-` and 16 random lowercase hex digits.
public enum RequestID {
    /// A fresh id.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return "req-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// `%XX` and `+`-free percent decoding for paths and query strings.
enum PercentDecoding {
    static func decode(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes everything but unreserved characters, for building paths in the client.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
