/// Errors from configuring or starting the proxy.
public enum ProxyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The routing table is inconsistent (duplicate ids, weight out of range, …).
    case invalidTable(String)
    /// The proxy was already started.
    case alreadyStarted
    /// The proxy has been closed.
    case closed

    public var description: String {
        switch self {
        case .invalidTable(let reason): "invalid routing table: \(reason)"
        case .alreadyStarted: "the proxy is already started"
        case .closed: "the proxy is closed"
        }
    }
}
