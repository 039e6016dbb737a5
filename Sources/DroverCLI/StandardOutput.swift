#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered standard output: each line is one `write(2)`, so a supervisor or test reading
/// a pipe sees it at once (stdio would hold it in a buffer when stdout is not a terminal).
enum StandardOutput {
    /// Writes `line` and a newline to fd 1.
    static func line(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
    }
}
