/// logfmt text (`key=value key2="two words"`) for structured log lines.
public enum Logfmt {
    /// `key=value` pairs joined by spaces; pairs with a nil value are left out.
    public static func line(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { key, value in value.map { "\(key)=\(Self.value($0))" } }.joined(separator: " ")
    }

    /// `value` as is when it is plain printable ASCII without spaces, `=` or quotes; otherwise
    /// quoted with `\"`, `\\` and control or non-ASCII characters escaped, so no value can
    /// forge a line or another field.
    public static func value(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "=" && $0 != "\"" && $0 != "\\" }
        if plain { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value >= 0x7F:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
