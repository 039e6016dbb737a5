/// What the process engine keeps on disk for one instance (`STATE_DIR/NAME.json`, mode 0600).
///
/// It is how a restarted agent finds its instances: the labels for ``ContainerEngine/list(labels:)``,
/// and the pid with its start time, which together name one process even after the pid is reused.
struct ProcessRecord: Codable, Hashable, Sendable {
    var name: String
    var labels: [String: String]
    var command: [String]
    /// The child's whole environment (`PORT` included).
    var environment: [String: String]
    var hostPort: Int?
    /// Set once started.
    var pid: Int32?
    /// `/proc/PID/stat` field 22 of the started process.
    var startTime: UInt64?
    /// Set when the engine reaped the child and saw its exit code.
    var exitCode: Int32?
}
