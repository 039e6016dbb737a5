/// A value parsed from the text of one kernel file, purely (bytes in, value out).
public protocol ProcFileParsable: Sendable {
    /// The file this value comes from; parse errors name it.
    static var file: ProcFile { get }

    /// Parses the file's raw contents.
    static func parse(_ bytes: [UInt8]) throws(HostMetricsError) -> Self
}

extension ProcFileParsable {
    /// Parses the file's contents given as text.
    public static func parse(_ text: String) throws(HostMetricsError) -> Self {
        try parse(Array(text.utf8))
    }
}
