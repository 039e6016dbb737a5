import Foundation

extension RolloutState {
    /// The state as JSON text (sorted keys, slashes unescaped), exactly what `JSONEncoder` with
    /// `[.sortedKeys, .withoutEscapingSlashes]` writes, built by hand for the hosts.
    ///
    /// Why: with `JSONEncoder` a 1,000-host state cost about 10 ms to encode. The coordinator
    /// writes the whole state when a rollout is created and when it ends (in between it stores
    /// parts, each host's text from ``RolloutHost/jsonText()``). The hosts are flat records; the
    /// rest (`phase`, `rollback`, and `plan` unless its text is given) goes through `JSONEncoder`.
    ///
    /// - Parameter planJSON: the plan's JSON text from an earlier call (it never changes).
    public func jsonText(planJSON: String? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func text(_ value: some Encodable) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        var out = "{\"hosts\":["
        out.reserveCapacity(hosts.count * 200 + 512)
        for (index, host) in hosts.enumerated() {
            if index > 0 { out += "," }
            host.appendJSON(to: &out)
        }
        out += "],\"lastProgressAt\":\(lastProgressAt),\"phase\":"
        out += try text(phase)
        out += ",\"plan\":"
        out += try planJSON ?? text(plan)
        if let rollback {
            out += ",\"rollback\":"
            out += try text(rollback)
        }
        if let startedAt { out += ",\"startedAt\":\(startedAt)" }
        out += "}"
        return out
    }

    /// The plan's JSON text, for ``jsonText(planJSON:)``.
    public func planJSONText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(plan), as: UTF8.self)
    }
}

extension RolloutHost {
    /// This host as JSON text: what `JSONEncoder` with sorted keys writes, built by hand.
    public func jsonText() -> String {
        var out = ""
        out.reserveCapacity(256)
        appendJSON(to: &out)
        return out
    }

    /// Appends this host as a JSON object with sorted keys (nil optionals left out).
    func appendJSON(to out: inout String) {
        out += "{"
        out += "\"attempt\":\(attempt),"
        if let commandID {
            out += "\"commandID\":"
            Self.appendString(commandID, to: &out)
            out += ","
        }
        if let dispatchedAt { out += "\"dispatchedAt\":\(dispatchedAt)," }
        if let healthySince { out += "\"healthySince\":\(healthySince)," }
        out += "\"lost\":\(lost),\"name\":"
        Self.appendString(name, to: &out)
        if let retryAt { out += ",\"retryAt\":\(retryAt)" }
        out += ",\"revertAttempts\":\(revertAttempts),\"status\":"
        Self.appendString(status.rawValue, to: &out)
        out += ",\"touched\":\(touched),\"version\":"
        Self.appendString(version, to: &out)
        out += "}"
    }

    /// A JSON string literal, escaped as `JSONEncoder` does (slashes left alone).
    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        // Host names, versions and command ids never need escaping: append them whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
