import Yams

/// Reads typed values out of a YAML node tree, collecting one ``SpecError`` per problem
/// instead of stopping at the first, so the operator sees everything wrong in one run.
struct SpecNodeReader {
    /// The file name errors are reported against.
    let file: String
    /// Every problem found so far, in reading order.
    private(set) var errors: [SpecError] = []

    init(file: String) {
        self.file = file
    }

    /// Records a problem at `field`, with the node's line when known.
    mutating func fail(_ field: String, _ node: Node?, _ message: String) {
        errors.append(SpecError(file: file, line: node?.mark?.line, field: field, message: message))
    }

    /// Whether the node is an explicit YAML null (`~`, `null` or nothing after the colon).
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else {
            return false
        }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The mapping's entries by key; unknown keys are reported with a "did you mean" hint.
    ///
    /// `elsewhere` maps keys that belong to another block to their full path, so `max_parallel`
    /// at the top level is answered with "did you mean update.max_parallel".
    mutating func mapping(
        _ node: Node, at path: String, allowed: [String], elsewhere: [String: String] = [:]
    ) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            fail(path, node, "must be a mapping of keys (\(allowed.joined(separator: ", ")))")
            return nil
        }
        var entries: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                fail(path, keyNode, "keys must be plain names")
                continue
            }
            let field = Self.join(path, key.string)
            if allowed.contains(key.string) {
                entries[key.string] = value
            } else if let suggestion = Self.suggestion(for: key.string, among: allowed) {
                fail(field, keyNode, "unknown field; did you mean \(Self.join(path, suggestion))?")
            } else if let other = elsewhere[key.string] {
                fail(field, keyNode, "unknown field here; did you mean \(other)?")
            } else if allowed.isEmpty {
                fail(field, keyNode, "unknown field; \(path) takes no fields")
            } else {
                fail(field, keyNode, "unknown field; expected one of \(allowed.joined(separator: ", "))")
            }
        }
        return entries
    }

    /// A scalar as text; containers and nulls are errors.
    mutating func string(_ node: Node, at field: String) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            fail(field, node, Self.isNull(node) ? "must not be empty" : "must be a single value, not a list or mapping")
            return nil
        }
        return scalar.string
    }

    /// A whole number.
    mutating func int(_ node: Node, at field: String) -> Int? {
        guard let text = string(node, at: field) else { return nil }
        guard let value = Int(text.trimmingASCIIWhitespace()) else {
            fail(field, node, "must be a whole number, got \"\(text)\"")
            return nil
        }
        return value
    }

    /// `true` or `false` (YAML 1.1 spellings such as `yes` are refused: they surprise people).
    mutating func bool(_ node: Node, at field: String) -> Bool? {
        guard let text = string(node, at: field) else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            fail(field, node, "must be true or false, got \"\(text)\"")
            return nil
        }
    }

    /// A duration such as `10s`, `2m` or `1h30m`.
    mutating func duration(_ node: Node, at field: String) -> SpecDuration? {
        guard let text = string(node, at: field) else { return nil }
        guard let duration = SpecDuration(parsing: text) else {
            fail(field, node, "must be a duration like 500ms, 10s, 2m or 1h30m, got \"\(text)\"")
            return nil
        }
        return duration
    }

    /// A list of strings such as `["httpd", "-f"]`.
    mutating func stringList(_ node: Node, at field: String) -> [String]? {
        guard case .sequence(let sequence) = node else {
            fail(field, node, "must be a list of strings, like [\"httpd\", \"-f\", \"-p\", \"8080\"]")
            return nil
        }
        var items: [String] = []
        for (index, item) in sequence.enumerated() {
            guard let text = string(item, at: "\(field)[\(index)]") else { return nil }
            items.append(text)
        }
        return items
    }

    /// A mapping of names to scalar values (`env`, `hosts.labels`); values are kept as written.
    mutating func stringMap(_ node: Node, at field: String) -> [String: String]? {
        guard case .mapping(let mapping) = node else {
            fail(field, node, "must be a mapping of names to values")
            return nil
        }
        var result: [String: String] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                fail(field, keyNode, "keys must be plain names")
                continue
            }
            let entryField = Self.join(field, key.string)
            if Self.isNull(value) {
                fail(entryField, value, "has no value; write \"\" for an empty string")
            } else if let text = string(value, at: entryField) {
                result[key.string] = text
            }
        }
        return result
    }

    /// `parent.child`, or `child` at the top level.
    static func join(_ parent: String, _ child: String) -> String {
        parent.isEmpty ? child : "\(parent).\(child)"
    }

    /// The closest allowed key when it is close enough to be a typo (edit distance ≤ 2, or ≤ 1
    /// for short keys), else `nil`.
    static func suggestion(for key: String, among allowed: [String]) -> String? {
        let lowered = key.lowercased().replacing("-", with: "_")
        let scored = allowed.map { ($0, editDistance(lowered, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored else { return nil }
        let limit = key.count <= 4 ? 1 : 2
        return distance <= limit ? best : nil
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
