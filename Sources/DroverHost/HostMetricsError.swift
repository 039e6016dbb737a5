/// A failure to read or parse host metrics, naming the file (or path) and line at fault.
public struct HostMetricsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in broad strokes callers can switch on.
    public enum Kind: Sendable, Equatable {
        /// A line did not have the shape the kernel documents.
        case malformed
        /// A field the metric needs was absent from the whole file.
        case missingField
        /// A system call failed with this `errno`.
        case systemCall(errno: Int32)
        /// The file was larger than the reader's cap.
        case tooLarge
    }

    /// What went wrong.
    public var kind: Kind
    /// The file or path involved, e.g. `/proc/stat` or a mount point.
    public var file: String
    /// The 1-based line number, when the failure is about one line.
    public var line: Int?
    /// A short human-readable explanation.
    public var detail: String

    /// Creates an error.
    public init(_ kind: Kind, file: String, line: Int? = nil, detail: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.detail = detail
    }

    public var description: String {
        if let line {
            return "\(file):\(line): \(detail)"
        }
        return "\(file): \(detail)"
    }
}
