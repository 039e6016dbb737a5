/// One service as the operator declares it: what to run, where, how to check it and how to update it.
///
/// Parsed from one YAML file per service by ``ServiceSpecParser`` (defaults applied), checked by
/// ``ServiceSpecValidator`` and ``RollbackBudget``. Field names in YAML are the snake_case ones
/// given in each property's documentation.
public struct ServiceSpec: Codable, Sendable, Equatable {
    /// Which engine runs the instances.
    public enum Engine: String, Codable, Sendable, Equatable, CaseIterable {
        /// A container through the Docker Engine API (Docker or Podman); `image` is required.
        case docker
        /// A plain process supervised by the agent; `command` is required.
        case process
    }

    /// `name`: the service's name, a DNS label (lowercase letters, digits, `-`; at most 63).
    public var name: String
    /// `version`: the version label this spec deploys (optional; see ``resolvedVersion``).
    public var version: String?
    /// `engine`: `docker` (default) or `process`.
    public var engine: Engine
    /// `image`: the container image reference (docker engine).
    public var image: String?
    /// `command`: the process to run (process engine), or an override of the image's command.
    public var command: [String]?
    /// `env`: environment variables given to every instance.
    public var env: [String: String]
    /// `ports`: where the instance listens and where the host's proxy serves it.
    public var ports: Ports
    /// `hosts`: which hosts run the service and how many instances each.
    public var hosts: HostSelector
    /// `health`: how the agent decides an instance is healthy.
    public var health: HealthCheck
    /// `update`: how a new version rolls out.
    public var update: UpdatePolicy
    /// `stop_grace`: how long an instance may take to exit after SIGTERM before SIGKILL (default 10 s).
    public var stopGrace: SpecDuration

    /// A spec with every optional part at its default.
    public init(
        name: String,
        version: String? = nil,
        engine: Engine = .docker,
        image: String? = nil,
        command: [String]? = nil,
        env: [String: String] = [:],
        ports: Ports,
        hosts: HostSelector = HostSelector(),
        health: HealthCheck = HealthCheck(),
        update: UpdatePolicy = UpdatePolicy(),
        stopGrace: SpecDuration = ServiceSpec.defaultStopGrace
    ) {
        self.name = name
        self.version = version
        self.engine = engine
        self.image = image
        self.command = command
        self.env = env
        self.ports = ports
        self.hosts = hosts
        self.health = health
        self.update = update
        self.stopGrace = stopGrace
    }

    /// Docker's own default grace period.
    public static let defaultStopGrace = SpecDuration.seconds(10)
}

extension ServiceSpec {
    /// The instance's port and the host's public port.
    public struct Ports: Codable, Sendable, Equatable {
        /// How the agent's proxy forwards.
        public enum Mode: String, Codable, Sendable, Equatable, CaseIterable {
            /// HTTP/1.1 requests (keep-alive), each routed on its own: draining and swaps are per request.
            case http
            /// Whole TCP connections: a connection stays on the instance it was routed to.
            case tcp
        }

        /// `ports.container`: the port the instance listens on.
        public var container: Int
        /// `ports.public`: the port the agent's proxy serves on each host (may differ from `container`).
        public var `public`: Int
        /// `ports.mode`: `http` (default) or `tcp`.
        public var mode: Mode

        /// Ports as given.
        public init(container: Int, public: Int, mode: Mode = .http) {
            self.container = container
            self.public = `public`
            self.mode = mode
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.container = try container.decode(Int.self, forKey: .container)
            self.public = try container.decode(Int.self, forKey: .public)
            // Specs stored before `mode` existed are HTTP.
            self.mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? .http
        }
    }

    /// Which hosts run the service.
    public struct HostSelector: Codable, Sendable, Equatable {
        /// `hosts.labels`: every label must match; empty selects all hosts.
        public var labels: [String: String]
        /// `hosts.instances`: instances per selected host (default 1).
        public var instances: Int

        /// A selector; by default all hosts, one instance each.
        public init(labels: [String: String] = [:], instances: Int = 1) {
            self.labels = labels
            self.instances = instances
        }

        /// Whether a host with these labels is selected.
        public func matches(_ hostLabels: [String: String]) -> Bool {
            labels.allSatisfy { hostLabels[$0.key] == $0.value }
        }
    }
}
