/// What an engine knows about one instance.
public struct InstanceStatus: Hashable, Sendable {
    /// The lifecycle state.
    public enum State: Hashable, Sendable {
        /// Created, never started.
        case created
        /// Running now.
        case running
        /// Exited; `code` is nil when nobody could observe it (a process that was not our child).
        case exited(code: Int32?)
        /// Another engine state (`paused`, `restarting`, `removing`, …), as the engine names it.
        case other(String)
    }

    /// The engine's id.
    public var id: InstanceID
    /// The engine-level name.
    public var name: String
    /// The state.
    public var state: State
    /// The published host port, if any.
    public var hostPort: Int?
    /// Every label, `drover.*` ones included.
    public var labels: [String: String]

    /// Creates a status.
    public init(id: InstanceID, name: String, state: State, hostPort: Int?, labels: [String: String]) {
        self.id = id
        self.name = name
        self.state = state
        self.hostPort = hostPort
        self.labels = labels
    }

    /// Whether the instance is running.
    public var isRunning: Bool { state == .running }
}
