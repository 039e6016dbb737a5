/// Why an engine operation failed, with the engine's own message.
public enum ContainerEngineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The engine itself cannot be reached (no socket, connection refused, timeout).
    case engineUnreachable(String)
    /// The image is not present locally (and was not pulled).
    case noSuchImage(String)
    /// Pulling the image failed: the registry is unreachable or does not have it.
    case pullFailed(image: String, message: String)
    /// No instance with this id or name.
    case noSuchInstance(String)
    /// The operation conflicts with the instance's state or name (e.g. the name is taken).
    case conflict(String)
    /// The spec cannot be run.
    case invalidSpec(String)
    /// Any other error answer from the engine API, with its HTTP status and message.
    case api(status: Int, message: String)
    /// A system call failed (process engine).
    case system(String)
    /// The operation did not finish in time.
    case timedOut(String)

    public var description: String {
        switch self {
        case .engineUnreachable(let message): "container engine unreachable: \(message)"
        case .noSuchImage(let message): "no such image: \(message)"
        case .pullFailed(let image, let message): "cannot pull \(image): \(message)"
        case .noSuchInstance(let message): "no such instance: \(message)"
        case .conflict(let message): "conflict: \(message)"
        case .invalidSpec(let message): "invalid instance spec: \(message)"
        case .api(let status, let message): "container engine error \(status): \(message)"
        case .system(let message): message
        case .timedOut(let message): "timed out: \(message)"
        }
    }
}
