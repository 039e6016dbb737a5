import Foundation

/// A parsed `https://host[:port]` API address.
public struct APIEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP literal (IPv6 without brackets).
    public var host: String
    /// TCP port (7401 when not given).
    public var port: Int

    /// The default port of the controller's API.
    public static let defaultPort = 7401

    /// Parses `https://host[:port][/]`; plain `host[:port]` is accepted too. Only HTTPS is spoken.
    public init(parsing text: String) throws(APIClientError) {
        var rest = Substring(text.trimmingSpaces())
        if let range = rest.range(of: "://") {
            guard rest[..<range.lowerBound].lowercased() == "https" else {
                throw .usage("address \(text) must use https://")
            }
            rest = rest[range.upperBound...]
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/") else { throw .usage("address \(text) is not https://host[:port]") }
        var hostPart = rest
        var port = Self.defaultPort
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .usage("address \(text) has an unclosed [") }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65_535).contains(value) else {
                    throw .usage("bad port in \(text)")
                }
                port = value
            } else if !after.isEmpty {
                throw .usage("address \(text) is not https://host[:port]")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(value) else {
                throw .usage("bad port in \(text)")
            }
            port = value
        }
        guard !hostPart.isEmpty else { throw .usage("address \(text) has no host") }
        host = String(hostPart)
        self.port = port
    }

    /// `https://host:port`.
    public var description: String {
        host.contains(":") ? "https://[\(host)]:\(port)" : "https://\(host):\(port)"
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(
            drop(while: { $0 == " " || $0 == "\n" || $0 == "\t" }).reversed().drop(while: {
                $0 == " " || $0 == "\n" || $0 == "\t"
            }).reversed())
    }
}

/// Builds API paths.
public enum APIPath {
    /// Percent-encodes one path segment (host names, ids).
    public static func segment(_ text: String) -> String {
        PercentDecoding.encode(text)
    }
}
