import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A ``ContainerEngine`` for hosts without a container engine: each instance is a supervised child process.
///
/// The child runs in its own session (`setsid`), so it outlives an agent restart; its output
/// goes to `STATE_DIR/NAME.log`, and `STATE_DIR/NAME.json` records its pid, start time and
/// labels so a new engine on the same directory finds it again. `PORT` in its environment is
/// the host port it should listen on (``PortMapping/hostAddress`` is not enforced: the child
/// binds where it likes). The instance id is the spec's name.
///
/// Operations on one instance must not overlap (the agent's swap executor runs them in order);
/// a stop signals the process group only while its leader is the recorded process.
public struct ProcessEngine: ContainerEngine {
    /// Where records and logs live.
    public let stateDirectory: String
    /// How often a stop checks whether the process group is gone.
    var pollInterval: Duration = .milliseconds(20)

    /// An engine keeping its state in `stateDirectory` (created with mode 0700 if missing).
    public init(stateDirectory: String) throws(ContainerEngineError) {
        self.stateDirectory = stateDirectory
        do {
            try FileManager.default.createDirectory(
                atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .system("cannot create the state directory \(stateDirectory): \(error)")
        }
    }

    /// The file the instance's stdout and stderr are appended to.
    public func logPath(_ id: InstanceID) -> String { "\(stateDirectory)/\(id.rawValue).log" }

    /// Processes have no images: any reference is fine.
    public func ensureImage(_ reference: String) async throws(ContainerEngineError) {}

    public func create(_ spec: InstanceSpec) async throws(ContainerEngineError) -> InstanceID {
        try spec.validate()
        guard case .command(let command) = spec.workload else {
            throw .invalidSpec("instance \(spec.name): the process engine runs host commands, not images")
        }
        let id = InstanceID(spec.name)
        if FileManager.default.fileExists(atPath: recordPath(id)) {
            throw .conflict("instance \(spec.name) already exists")
        }
        var environment = spec.environment
        if let port = spec.port, environment["PORT"] == nil { environment["PORT"] = String(port.hostPort) }
        // Without PATH a shebang script's interpreter lookup and `sh -c` commands fail.
        if environment["PATH"] == nil { environment["PATH"] = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin" }
        try write(
            ProcessRecord(
                name: spec.name, labels: spec.labels, command: command, environment: environment,
                hostPort: spec.port?.hostPort))
        return id
    }

    public func start(_ id: InstanceID) async throws(ContainerEngineError) {
        var record = try read(id)
        if case .running = status(of: &record).state { return }
        let pid = try ChildProcess.spawn(
            record.command, environment: record.environment, outputPath: logPath(id), grouping: .newSession)
        record.pid = pid
        record.startTime = ChildProcess.stat(pid)?.startTime
        record.exitCode = nil
        if record.startTime == nil, let exit = ChildProcess.reap(pid) {
            record.exitCode = exit.code  // it exited before we could look at it
        }
        try write(record)
    }

    public func inspect(_ id: InstanceID) async throws(ContainerEngineError) -> InstanceStatus {
        var record = try read(id)
        return status(of: &record)
    }

    public func stop(_ id: InstanceID, grace: Duration) async throws(ContainerEngineError) {
        var record = try read(id)
        guard case .running = status(of: &record).state, let group = record.pid else { return }
        ChildProcess.signalGroup(group, SIGTERM)
        if await waitForGroupExit(group, record: &record, until: .now + grace) { return }
        ChildProcess.signalGroup(group, SIGKILL)
        // SIGKILL cannot be caught; the group is gone as soon as the kernel tears it down.
        if await waitForGroupExit(group, record: &record, until: .now + .seconds(10)) { return }
        throw .timedOut("instance \(id) (process group \(group)) still exists after SIGKILL")
    }

    public func remove(_ id: InstanceID) async throws(ContainerEngineError) {
        var record = try read(id)
        if case .running = status(of: &record).state {
            throw .conflict("instance \(id) is running; stop it first")
        }
        for path in [recordPath(id), logPath(id)] where FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw .system("cannot remove \(path): \(error)")
            }
        }
    }

    public func list(labels: [String: String]) async throws(ContainerEngineError) -> [InstanceStatus] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: stateDirectory)
        } catch {
            throw .system("cannot read \(stateDirectory): \(error)")
        }
        var result: [InstanceStatus] = []
        for file in names.sorted() where file.hasSuffix(".json") {
            let id = InstanceID(String(file.dropLast(".json".count)))
            guard var record = try? read(id), record.labels[DroverLabels.managed] == "true",
                labels.allSatisfy({ record.labels[$0.key] == $0.value })
            else { continue }
            result.append(status(of: &record))
        }
        return result
    }

    public func execute(
        _ id: InstanceID, command: [String], timeout: Duration
    ) async throws(ContainerEngineError) -> Int32 {
        let record = try read(id)
        return try await ChildProcess.run(command, environment: record.environment, timeout: timeout).code
    }

    // MARK: - state

    /// The instance's state; reaps the child if it is ours and has exited, and records its exit code.
    private func status(of record: inout ProcessRecord) -> InstanceStatus {
        let state: InstanceStatus.State
        if let pid = record.pid {
            if record.exitCode == nil, let exit = ChildProcess.reap(pid) {
                record.exitCode = exit.code
                try? write(record)
            }
            if record.exitCode == nil, let stat = ChildProcess.stat(pid), stat.startTime == record.startTime,
                !stat.isDead
            {
                state = .running
            } else {
                // Another engine value may have reaped it and written the code meanwhile.
                if record.exitCode == nil, let fresh = try? read(InstanceID(record.name)) { record = fresh }
                state = .exited(code: record.exitCode)
            }
        } else {
            state = .created
        }
        return InstanceStatus(
            id: InstanceID(record.name), name: record.name, state: state, hostPort: record.hostPort,
            labels: record.labels)
    }

    /// Polls until no process is left in `group` (reaping the leader when it is ours) or `deadline` passes.
    private func waitForGroupExit(
        _ group: pid_t, record: inout ProcessRecord, until deadline: ContinuousClock.Instant
    ) async -> Bool {
        while true {
            _ = status(of: &record)
            // A leader that is ours and exited but is not reaped yet still counts as a member.
            if !ChildProcess.groupExists(group) { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: pollInterval)
        }
    }

    private func recordPath(_ id: InstanceID) -> String { "\(stateDirectory)/\(id.rawValue).json" }

    private func read(_ id: InstanceID) throws(ContainerEngineError) -> ProcessRecord {
        // The id becomes a file name: refuse anything that could leave the directory.
        guard !id.rawValue.isEmpty, !id.rawValue.contains("/"), !id.rawValue.hasPrefix(".") else {
            throw .noSuchInstance(id.rawValue)
        }
        let path = recordPath(id)
        guard let data = FileManager.default.contents(atPath: path) else { throw .noSuchInstance(id.rawValue) }
        do {
            return try JSONDecoder().decode(ProcessRecord.self, from: data)
        } catch {
            throw .system("unreadable instance record \(path): \(error)")
        }
    }

    private func write(_ record: ProcessRecord) throws(ContainerEngineError) {
        let path = recordPath(InstanceID(record.name))
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(record).write(to: URL(fileURLWithPath: path), options: .atomic)
            // The environment may hold secrets.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        } catch {
            throw .system("cannot write \(path): \(error)")
        }
    }
}
