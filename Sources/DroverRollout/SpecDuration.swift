/// A span of time in a service spec, written like Go and Nomad durations: `500ms`, `10s`, `2m`, `1h30m`.
///
/// Stored as whole milliseconds so it is exact, cheap to compare and survives JSON unchanged.
/// Encodes as its canonical text (`1h30m`); decodes from that text or from a number of milliseconds.
public struct SpecDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The length in milliseconds (never negative).
    public var milliseconds: Int64

    /// A duration of `milliseconds`.
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// A duration of whole seconds.
    public static func seconds(_ seconds: Int64) -> SpecDuration {
        SpecDuration(milliseconds: seconds * 1_000)
    }

    /// A duration of whole minutes.
    public static func minutes(_ minutes: Int64) -> SpecDuration {
        SpecDuration(milliseconds: minutes * 60_000)
    }

    /// No time at all.
    public static let zero = SpecDuration(milliseconds: 0)

    /// Units in the order they may appear, longest first; `ms` before `m` so the scanner is greedy.
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("h", 3_600_000), ("ms", 1), ("m", 60_000), ("s", 1_000),
    ]

    /// Parses `10s`, `2m`, `1h30m`, `1.5s`, `250ms`; `nil` when the text is not a duration.
    ///
    /// A bare `0` is allowed (as in Go); any other number needs a unit so `30` is never
    /// silently read as milliseconds or seconds.
    public init?(parsing text: String) {
        let text = text.trimmingASCIIWhitespace()
        if text == "0" {
            self.init(milliseconds: 0)
            return
        }
        var rest = Substring(text)
        var total: Double = 0
        var lastUnitRank = -1
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number.first != ".", number.last != ".",
                number.filter({ $0 == "." }).count <= 1, let value = Double(number)
            else { return nil }
            rest = rest.dropFirst(number.count)
            guard
                let rank = Self.units.firstIndex(where: { rest.hasPrefix($0.suffix) }),
                Self.order(of: rank) > lastUnitRank
            else { return nil }
            lastUnitRank = Self.order(of: rank)
            total += value * Double(Self.units[rank].milliseconds)
            rest = rest.dropFirst(Self.units[rank].suffix.count)
        }
        // 100 days is far beyond any sensible setting and keeps the arithmetic exact.
        guard total <= 8_640_000_000, total == total.rounded() else { return nil }
        self.init(milliseconds: Int64(total))
    }

    /// Units must come largest first (`1h30m`, not `30m1h`); the table is not in size order.
    private static func order(of index: Int) -> Int {
        switch units[index].suffix {
        case "h": 0
        case "m": 1
        case "s": 2
        default: 3
        }
    }

    /// The canonical text: `0s`, `250ms`, `10s`, `1m30s`, `1h30m`, `2m0.5s` is written `2m500ms`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var text = ""
        for (suffix, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
            let count = rest / size
            if count > 0 {
                text += "\(count)\(suffix)"
                rest -= count * size
            }
        }
        return text
    }

    public static func < (lhs: SpecDuration, rhs: SpecDuration) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    public static func + (lhs: SpecDuration, rhs: SpecDuration) -> SpecDuration {
        SpecDuration(milliseconds: lhs.milliseconds + rhs.milliseconds)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let milliseconds = try? container.decode(Int64.self) {
            self.init(milliseconds: milliseconds)
            return
        }
        let text = try container.decode(String.self)
        guard let duration = SpecDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a duration: \(text)")
        }
        self = duration
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and newlines (no Foundation needed).
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
