/// Why a command to HAProxy's runtime API (its stats socket) failed.
public enum HAProxyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing exists at the socket path.
    case socketMissing(path: String)
    /// The path exists but is not a unix socket.
    case notASocket(path: String)
    /// The agent may not open the socket, or the socket's level is below `admin`.
    case permissionDenied(path: String, detail: String)
    /// The socket file exists but no HAProxy listens on it (a stale file).
    case notListening(path: String)
    /// Connecting failed for another reason.
    case connectionFailed(path: String, detail: String)
    /// HAProxy did not answer within the timeout.
    case timedOut(command: String, after: Duration)
    /// HAProxy does not know the command (an older version, or a typo).
    case unknownCommand(command: String)
    /// The backend named in a command does not exist in HAProxy's configuration.
    case noSuchBackend(String)
    /// The server named in a command does not exist.
    case noSuchServer(command: String)
    /// HAProxy refused the command; `answer` is what it said.
    case commandFailed(command: String, answer: String)
    /// A command the client will not send (a newline or `;` would smuggle in another command).
    case invalidCommand(String)

    public var description: String {
        switch self {
        case .socketMissing(let path):
            "no HAProxy runtime socket at \(path): declare `stats socket \(path) mode 660 level admin` in "
                + "haproxy.cfg's global section (see deploy/haproxy/drover.cfg) and check --haproxy-socket"
        case .notASocket(let path):
            "\(path) is not a unix socket (--haproxy-socket must name HAProxy's `stats socket`)"
        case .permissionDenied(let path, let detail):
            "permission denied on the HAProxy runtime socket \(path): \(detail)"
        case .notListening(let path):
            "no HAProxy listens on \(path) (a stale socket file: is haproxy running?)"
        case .connectionFailed(let path, let detail):
            "cannot connect to the HAProxy runtime socket \(path): \(detail)"
        case .timedOut(let command, let after):
            "HAProxy did not answer `\(command)` within \(after)"
        case .unknownCommand(let command):
            "HAProxy does not know the command `\(command)` (Drover needs HAProxy 2.6 or later)"
        case .noSuchBackend(let backend):
            "HAProxy has no backend \(backend): declare `backend \(backend)` in haproxy.cfg "
                + "(see deploy/haproxy/drover.cfg)"
        case .noSuchServer(let command):
            "HAProxy has no such server (`\(command)`)"
        case .commandFailed(let command, let answer):
            "HAProxy refused `\(command)`: \(answer)"
        case .invalidCommand(let command):
            "refusing to send a runtime command with a newline or ';': \(command.debugDescription)"
        }
    }
}
