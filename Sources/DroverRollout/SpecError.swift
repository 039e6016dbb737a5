/// One thing wrong with a service spec: which file, which field, what is wrong.
public struct SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The spec file's name as the operator gave it.
    public var file: String
    /// The 1-based line in the file, when known.
    public var line: Int?
    /// The dotted field path, e.g. `update.max_parallel`, `env.FOO`, `health.http.path`
    /// (empty for the whole document).
    public var field: String
    /// What is wrong, and where it helps, what would be right.
    public var message: String

    /// An error at `field` of `file`.
    public init(file: String, line: Int? = nil, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    /// `web.yaml:12: update.max_parallel: must be …`.
    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return field.isEmpty ? "\(place): \(message)" : "\(place): \(field): \(message)"
    }
}

/// Every error found in one spec, thrown together so the operator fixes them in one go.
public struct SpecErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// The errors, in file order.
    public var errors: [SpecError]

    /// The given errors.
    public init(_ errors: [SpecError]) {
        self.errors = errors
    }

    /// One error per line.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
