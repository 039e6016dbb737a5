#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal line logger to standard error with dotted metadata keys (`host.id=h-…`).
///
/// A stand-in until the package depends on swift-log; the call sites keep swift-log's shape
/// (level, message, metadata) so switching is mechanical. Never pass secrets.
public struct DroverLogger: Sendable {
    /// Severity, lowest first.
    public enum Level: Int, Sendable, Comparable {
        case debug, info, notice, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        var name: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    /// The component, e.g. `drover.controller`.
    public var label: String
    /// Lines below this level are dropped.
    public var minimumLevel: Level

    /// A logger for `label` (`DROVER_LOG_LEVEL=debug` lowers the default `info`).
    public init(label: String, minimumLevel: Level? = nil) {
        self.label = label
        if let minimumLevel {
            self.minimumLevel = minimumLevel
        } else if let env = getenv("DROVER_LOG_LEVEL"), String(cString: env) == "debug" {
            self.minimumLevel = .debug
        } else {
            self.minimumLevel = .info
        }
    }

    /// Writes one line if `level` is enabled.
    public func log(_ level: Level, _ message: String, _ metadata: KeyValuePairs<String, String> = [:]) {
        guard level >= minimumLevel else { return }
        var line = "\(UnixTime.nowMillis()) \(level.name) \(label): \(message)"
        for (key, value) in metadata {
            line += " \(key)=\(value)"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        // One write(2) per line on fd 2, so concurrent lines do not interleave.
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// `log(.debug, …)`.
    public func debug(_ message: String, _ metadata: KeyValuePairs<String, String> = [:]) { log(.debug, message, metadata) }
    /// `log(.info, …)`.
    public func info(_ message: String, _ metadata: KeyValuePairs<String, String> = [:]) { log(.info, message, metadata) }
    /// `log(.notice, …)`.
    public func notice(_ message: String, _ metadata: KeyValuePairs<String, String> = [:]) { log(.notice, message, metadata) }
    /// `log(.warning, …)`.
    public func warning(_ message: String, _ metadata: KeyValuePairs<String, String> = [:]) { log(.warning, message, metadata) }
    /// `log(.error, …)`.
    public func error(_ message: String, _ metadata: KeyValuePairs<String, String> = [:]) { log(.error, message, metadata) }
}
