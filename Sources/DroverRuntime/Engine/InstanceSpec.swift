/// What to run for one instance of a service.
public struct InstanceSpec: Hashable, Sendable {
    /// What the instance executes.
    public enum Workload: Hashable, Sendable {
        /// A container image; `command` overrides the image's entrypoint arguments when given.
        case image(String, command: [String]? = nil)
        /// A host command, run as a supervised child process (`[executable, arguments...]`).
        case command([String])
    }

    /// The engine-level name (container name, or the process engine's instance id).
    ///
    /// Letters, digits, `.`, `_` and `-` only, starting with a letter or digit.
    public var name: String
    /// The service this instance belongs to (label ``DroverLabels/service``).
    public var service: String
    /// The version it runs (label ``DroverLabels/version``).
    public var version: String
    /// The instance's name within the service (label ``DroverLabels/instance``).
    public var instance: String
    /// The image or command.
    public var workload: Workload
    /// Environment variables. The engine adds `PORT` (the port to listen on) unless it is set.
    public var environment: [String: String]
    /// The published port, if the instance serves one.
    public var port: PortMapping?
    /// More labels; the `drover.*` keys are set from the fields above and win.
    public var extraLabels: [String: String]

    /// Creates a spec.
    public init(
        name: String,
        service: String,
        version: String,
        instance: String,
        workload: Workload,
        environment: [String: String] = [:],
        port: PortMapping? = nil,
        extraLabels: [String: String] = [:]
    ) {
        self.name = name
        self.service = service
        self.version = version
        self.instance = instance
        self.workload = workload
        self.environment = environment
        self.port = port
        self.extraLabels = extraLabels
    }

    /// Every label the instance carries: ``extraLabels`` plus the `drover.*` labels.
    public var labels: [String: String] {
        var labels = extraLabels
        labels[DroverLabels.managed] = "true"
        labels[DroverLabels.service] = service
        labels[DroverLabels.version] = version
        labels[DroverLabels.instance] = instance
        return labels
    }

    /// Throws ``ContainerEngineError/invalidSpec(_:)`` when the name is not a safe identifier
    /// (it becomes a container name or a file name in the process engine's state directory).
    public func validate() throws(ContainerEngineError) {
        func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
        }
        guard let first = name.unicodeScalars.first, isAlphanumeric(first), name.unicodeScalars.count <= 128,
            name.unicodeScalars.allSatisfy({ isAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" })
        else {
            throw .invalidSpec("instance name \"\(name)\" must be 1–128 of [A-Za-z0-9._-], starting with a letter or digit")
        }
        if case .command(let argv) = workload, argv.isEmpty {
            throw .invalidSpec("instance \(name): empty command")
        }
        if let port, !(1...65535).contains(port.hostPort) || !(1...65535).contains(port.containerPort) {
            throw .invalidSpec("instance \(name): port \(port.containerPort) → \(port.hostPort) out of range")
        }
    }
}

/// A port the instance serves, published on the host.
public struct PortMapping: Hashable, Sendable {
    /// The port inside the container (ignored by the process engine, whose child listens on the host port).
    public var containerPort: Int
    /// The host port, chosen by the caller.
    public var hostPort: Int
    /// The host address to bind; loopback by default so only the agent's proxy reaches it.
    public var hostAddress: String

    /// Creates a mapping.
    public init(containerPort: Int, hostPort: Int, hostAddress: String = "127.0.0.1") {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.hostAddress = hostAddress
    }
}
