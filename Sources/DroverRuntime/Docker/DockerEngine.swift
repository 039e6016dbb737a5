import FoundationEssentials
import NIOCore
import NIOHTTP1
import NIOPosix

/// A ``ContainerEngine`` speaking the Docker Engine API (v1.41) over a unix socket.
///
/// Works with Docker (`/var/run/docker.sock`) and with Podman's compatible service
/// (`podman system service unix:///run/podman/podman.sock`).
public struct DockerEngine: ContainerEngine {
    /// The API version prefix every path starts with.
    static let apiVersion = "/v1.41"

    /// The engine's socket.
    public let socketPath: String
    /// The limit for one ordinary API call; pulls and stops get longer ones.
    public var callTimeout: Duration = .seconds(30)
    /// The limit for one image pull.
    public var pullTimeout: Duration = .seconds(600)
    private let client: OneShotHTTPClient

    /// An engine at `socketPath`.
    public init(socketPath: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.socketPath = socketPath
        client = OneShotHTTPClient(endpoint: .unixSocket(socketPath), group: group)
    }

    /// Answers the API's `/_ping`; throws ``ContainerEngineError/engineUnreachable(_:)`` when it does not.
    public func ping() async throws(ContainerEngineError) {
        let answer = try await client.request(.GET, "/_ping", timeout: callTimeout)
        guard answer.isSuccess else { throw Self.error(answer) }
    }

    public func ensureImage(_ reference: String) async throws(ContainerEngineError) {
        if try await hasImage(reference) { return }
        let answer = try await client.request(
            .POST, Self.apiVersion + "/images/create?fromImage=" + Self.percentEncoded(reference),
            timeout: pullTimeout)
        guard answer.isSuccess else {
            throw .pullFailed(image: reference, message: Self.message(in: answer.body))
        }
        // The status is 200 as soon as the pull starts; failures come in the progress stream.
        if let failure = Self.pullFailure(in: answer.body) {
            throw .pullFailed(image: reference, message: failure)
        }
        guard try await hasImage(reference) else {
            throw .pullFailed(image: reference, message: "the image is still missing after the pull")
        }
    }

    /// Whether `reference` is present locally.
    public func hasImage(_ reference: String) async throws(ContainerEngineError) -> Bool {
        let answer = try await client.request(
            .GET, Self.apiVersion + "/images/\(Self.percentEncoded(reference))/json", timeout: callTimeout)
        if answer.status == 404 { return false }
        guard answer.isSuccess else { throw Self.error(answer) }
        return true
    }

    public func create(_ spec: InstanceSpec) async throws(ContainerEngineError) -> InstanceID {
        try spec.validate()
        guard case .image(let image, let command) = spec.workload else {
            throw .invalidSpec("instance \(spec.name): the docker engine runs images, not host commands")
        }
        var environment = spec.environment
        var exposed: [String: DockerAPI.Empty]?
        var bindings: [String: [DockerAPI.PortBinding]?]?
        if let port = spec.port {
            let key = "\(port.containerPort)/tcp"
            exposed = [key: DockerAPI.Empty()]
            bindings = [key: [DockerAPI.PortBinding(HostIp: port.hostAddress, HostPort: String(port.hostPort))]]
            if environment["PORT"] == nil { environment["PORT"] = String(port.containerPort) }
        }
        let body = DockerAPI.CreateContainer(
            Image: image,
            Cmd: command,
            Env: environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            Labels: spec.labels,
            ExposedPorts: exposed,
            HostConfig: DockerAPI.HostConfig(PortBindings: bindings))
        let answer = try await client.request(
            .POST, Self.apiVersion + "/containers/create?name=" + Self.percentEncoded(spec.name),
            json: try Self.encode(body), timeout: callTimeout)
        guard answer.isSuccess else { throw Self.error(answer) }
        return InstanceID(try Self.decode(DockerAPI.Created.self, from: answer).Id)
    }

    public func start(_ id: InstanceID) async throws(ContainerEngineError) {
        let answer = try await client.request(.POST, containerPath(id, "/start"), timeout: callTimeout)
        // 304: already running.
        guard answer.isSuccess || answer.status == 304 else { throw Self.error(answer) }
    }

    public func inspect(_ id: InstanceID) async throws(ContainerEngineError) -> InstanceStatus {
        let answer = try await client.request(.GET, containerPath(id, "/json"), timeout: callTimeout)
        guard answer.isSuccess else { throw Self.error(answer) }
        let container = try Self.decode(DockerAPI.ContainerInspect.self, from: answer)
        let state: InstanceStatus.State =
            switch container.State.Status {
            case "running": .running
            case "created", "configured": .created
            case "exited", "stopped", "dead": .exited(code: container.State.ExitCode)
            default: container.State.Running ? .running : .other(container.State.Status)
            }
        // A stopped container has no live port mapping; its configured binding still says which port.
        let live = container.NetworkSettings?.Ports ?? [:]
        let configured = container.HostConfig?.PortBindings ?? [:]
        let hostPort = Self.firstHostPort(live) ?? Self.firstHostPort(configured)
        return InstanceStatus(
            id: InstanceID(container.Id),
            name: container.Name.hasPrefix("/") ? String(container.Name.dropFirst()) : container.Name,
            state: state,
            hostPort: hostPort,
            labels: container.Config.Labels ?? [:])
    }

    public func stop(_ id: InstanceID, grace: Duration) async throws(ContainerEngineError) {
        let seconds = max(0, Int((grace + .milliseconds(999)).components.seconds))
        let answer = try await client.request(
            .POST, containerPath(id, "/stop?t=\(seconds)"), timeout: grace + callTimeout)
        // 304: already stopped.
        guard answer.isSuccess || answer.status == 304 else { throw Self.error(answer) }
    }

    public func remove(_ id: InstanceID) async throws(ContainerEngineError) {
        let answer = try await client.request(.DELETE, containerPath(id, ""), timeout: callTimeout)
        guard answer.isSuccess else { throw Self.error(answer) }
    }

    public func list(labels: [String: String]) async throws(ContainerEngineError) -> [InstanceStatus] {
        var wanted = labels
        wanted[DroverLabels.managed] = "true"
        let filters = ["label": wanted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }]
        let query = Self.percentEncoded(String(decoding: try Self.encode(filters), as: UTF8.self))
        let answer = try await client.request(
            .GET, Self.apiVersion + "/containers/json?all=true&filters=" + query, timeout: callTimeout)
        guard answer.isSuccess else { throw Self.error(answer) }
        var result: [InstanceStatus] = []
        for row in try Self.decode([DockerAPI.ContainerSummary].self, from: answer) {
            do {
                result.append(try await inspect(InstanceID(row.Id)))
            } catch .noSuchInstance {
                continue  // removed between the list and the inspect
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    public func execute(
        _ id: InstanceID, command: [String], timeout: Duration
    ) async throws(ContainerEngineError) -> Int32 {
        let deadline = ContinuousClock.now + timeout
        let created = try await client.request(
            .POST, containerPath(id, "/exec"), json: try Self.encode(DockerAPI.CreateExec(Cmd: command)),
            timeout: callTimeout)
        guard created.isSuccess else { throw Self.error(created) }
        let exec = try Self.decode(DockerAPI.Created.self, from: created).Id
        let execPath = Self.apiVersion + "/exec/" + Self.percentEncoded(exec)
        // Attached: the answer is the command's output stream, which ends when the command does
        // (the output itself is not needed). The exit code then comes from inspecting the exec.
        let remaining = deadline - ContinuousClock.now
        let started: HTTPAnswer
        do {
            started = try await client.request(
                .POST, execPath + "/start", json: try Self.encode(DockerAPI.StartExec()),
                timeout: max(remaining, .milliseconds(1)), discardingBody: true)
        } catch {
            // The API cannot kill an exec: a command past its deadline is left to finish on its own.
            guard ContinuousClock.now < deadline else {
                throw .timedOut("\(command.joined(separator: " ")) in \(id) after \(timeout)")
            }
            throw error
        }
        guard started.isSuccess else { throw Self.error(started) }
        while true {
            let answer = try await client.request(.GET, execPath + "/json", timeout: callTimeout)
            guard answer.isSuccess else { throw Self.error(answer) }
            let state = try Self.decode(DockerAPI.ExecInspect.self, from: answer)
            if !state.Running, let code = state.ExitCode { return code }
            // The stream can close a moment before the engine records the exit.
            guard ContinuousClock.now < deadline else {
                throw .timedOut("\(command.joined(separator: " ")) in \(id) after \(timeout)")
            }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                throw .timedOut("\(command.joined(separator: " ")) in \(id): cancelled")
            }
        }
    }

    private func containerPath(_ id: InstanceID, _ suffix: String) -> String {
        Self.apiVersion + "/containers/" + Self.percentEncoded(id.rawValue) + suffix
    }
}
