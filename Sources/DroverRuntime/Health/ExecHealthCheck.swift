/// Runs a command in the instance's context through its engine; passes on exit code 0.
///
/// With ``DockerEngine`` the command runs inside the container (exec through the API); with
/// ``ProcessEngine`` it runs on the host with the instance's environment (`PORT` included).
public struct ExecHealthCheck: HealthCheck {
    /// The engine running the instance.
    public let engine: any ContainerEngine
    /// The instance.
    public let instance: InstanceID
    /// `[executable, arguments...]`.
    public let command: [String]

    /// Creates a check.
    public init(engine: any ContainerEngine, instance: InstanceID, command: [String]) {
        self.engine = engine
        self.instance = instance
        self.command = command
    }

    public func run(timeout: Duration) async -> HealthCheckResult {
        do {
            let code = try await engine.execute(instance, command: command, timeout: timeout)
            return code == 0 ? .passed : .failed("\(command.joined(separator: " ")) exited with \(code)")
        } catch {
            return .failed(String(describing: error))
        }
    }
}
