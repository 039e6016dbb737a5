/// The name of a server Drover adds to an HAProxy backend: `drover.VERSION.BACKENDID`, both
/// parts escaped into HAProxy's name charset, so a name maps back to its version and backend id.
///
/// HAProxy accepts letters, digits, `-`, `_`, `.` and `:` in names. Each part keeps letters,
/// digits, `-` and `_`; every other byte of its UTF-8 becomes `:` and two hex digits, so `.`
/// only ever separates the parts and the mapping is one to one.
public struct HAProxyServerName: Sendable, Hashable, CustomStringConvertible {
    /// The version label statistics are kept under.
    public var version: String
    /// The Drover backend id (an instance id).
    public var backendID: String

    /// The prefix marking servers Drover manages; servers without it are never touched.
    public static let prefix = "drover."

    /// A name for one backend.
    public init(version: String, backendID: String) {
        self.version = version
        self.backendID = backendID
    }

    /// Parses a server name; `nil` when it is not one of Drover's.
    public init?(_ name: String) {
        guard name.hasPrefix(Self.prefix) else { return nil }
        let parts = name.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let version = Self.unescape(parts[0]), let id = Self.unescape(parts[1]), !id.isEmpty
        else { return nil }
        self.init(version: version, backendID: id)
    }

    /// The name as HAProxy knows it.
    public var description: String {
        Self.prefix + Self.escape(version) + "." + Self.escape(backendID)
    }

    static func keeps(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_")
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    static func escape(_ text: String) -> String {
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            if keeps(byte) {
                bytes.append(byte)
            } else {
                bytes += [UInt8(ascii: ":"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func unescape(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: ":") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else if keeps(byte) {
                bytes.append(byte)
            } else {
                return nil
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
