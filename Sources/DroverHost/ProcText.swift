/// Splits kernel text files into lines and whitespace-separated fields, and parses numbers,
/// without creating a `String` per field (the agent runs this every few seconds).
struct ProcText {
    /// One line: its 1-based number and its fields.
    struct Line {
        var number: Int
        var fields: [ArraySlice<UInt8>]
    }

    let file: ProcFile

    /// The non-empty lines of `bytes`, split on spaces and tabs.
    func lines(_ bytes: [UInt8]) -> [Line] {
        var result: [Line] = []
        var number = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            number += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let fields = Self.fields(bytes[start..<end])
            if !fields.isEmpty {
                result.append(Line(number: number, fields: fields))
            }
            start = end == bytes.endIndex ? end : end + 1
        }
        return result
    }

    /// The whitespace-separated fields of one line.
    static func fields(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == 0x0D })
    }

    /// An error about `line` of this file.
    func malformed(_ line: Int?, _ detail: String) -> HostMetricsError {
        HostMetricsError(.malformed, file: file.path, line: line, detail: detail)
    }

    /// A field's text, for error messages and names.
    static func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field, as: UTF8.self)
    }

    /// Parses an unsigned decimal integer; nil on any non-digit or overflow.
    static func unsigned(_ field: ArraySlice<UInt8>) -> UInt64? {
        guard !field.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in field {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// Parses a non-negative decimal such as `2.50` into thousandths (`2500`); digits past the
    /// third decimal are truncated. Nil on malformed input or overflow.
    static func thousandths(_ field: ArraySlice<UInt8>) -> UInt64? {
        let parts = field.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = unsigned(parts[0]) else { return nil }
        var fraction: UInt64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, unsigned(digits) != nil else { return nil }
            // Pad or cut to exactly three digits: "5" -> 500, "07" -> 70, "1234" -> 123.
            for index in 0..<3 {
                let position = digits.startIndex + index
                let digit = position < digits.endIndex ? UInt64(digits[position] - UInt8(ascii: "0")) : 0
                fraction = fraction * 10 + digit
            }
        }
        let (scaled, overflow1) = whole.multipliedReportingOverflow(by: 1000)
        let (sum, overflow2) = scaled.addingReportingOverflow(fraction)
        return overflow1 || overflow2 ? nil : sum
    }
}
