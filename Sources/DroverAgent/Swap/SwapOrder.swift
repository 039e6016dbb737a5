/// What the controller asks this agent to run for one service: a version, how to start it,
/// how to judge its health and how to retire the version it replaces.
///
/// Decoded from the wire elsewhere; the executor only checks it (``validate()``) and keeps it in
/// the journal, so a restarted agent (or a revert to the known-good version) can run it again.
public struct SwapOrder: Sendable, Equatable, Codable {
    /// Which engine runs the instances.
    public enum Engine: String, Sendable, Hashable, Codable, CaseIterable {
        /// A container image through the Docker Engine API (Docker or Podman).
        case docker
        /// A host command as a supervised child process.
        case process
    }

    /// How an instance's health is probed.
    public enum HealthProbe: Sendable, Equatable, Codable {
        /// `GET path` on the instance's port must answer `status`.
        case http(path: String, status: Int)
        /// A TCP connection to the instance's port must be accepted.
        case tcp
        /// The command, run in the instance's context, must exit 0.
        case exec([String])
    }

    /// How the service proxy forwards.
    public enum ProxyMode: String, Sendable, Hashable, Codable, CaseIterable {
        /// HTTP/1.1 requests, each routed and drained on its own.
        case http
        /// Whole TCP connections; a connection stays on its instance.
        case tcp
    }

    /// The service name; part of instance names and the proxy's identity on this host.
    public var service: String
    /// The version label the new instances carry.
    public var version: String
    /// Which engine runs the instances.
    public var engine: Engine
    /// The container image (docker engine).
    public var image: String?
    /// The host command (process engine), or the image's arguments override (docker engine).
    public var command: [String]?
    /// Environment variables; the engine adds `PORT`.
    public var environment: [String: String]
    /// The port the workload listens on inside its container (ignored by the process engine).
    public var containerPort: Int
    /// The service's public port: the proxy listens there.
    public var publicPort: Int
    /// How many instances of the version run on this host (≥ 1).
    public var instances: Int
    /// The health probe.
    public var health: HealthProbe
    /// Time between probes.
    public var healthInterval: Duration
    /// A probe taking longer fails.
    public var healthTimeout: Duration
    /// Consecutive passes that make a new instance healthy.
    public var healthyThreshold: Int
    /// Consecutive failures that make it unhealthy (the swap then fails).
    public var unhealthyThreshold: Int
    /// Failures do not count for this long after the start (a pass counts at once).
    public var startPeriod: Duration
    /// A new instance not healthy this long after its start fails the swap.
    public var healthyDeadline: Duration
    /// How long requests in flight to the old instances may take to finish after the shift.
    public var drainTimeout: Duration
    /// Time between SIGTERM and SIGKILL when an instance is stopped.
    public var stopGrace: Duration
    /// Part of a rollback: reuse a kept (stopped) instance of this version when there is one,
    /// and call an instance healthy on its first passing probe.
    public var revert: Bool
    /// How the proxy on ``publicPort`` forwards.
    public var proxyMode: ProxyMode
    /// Start beside the serving version as its canary, with ``canaryWeight`` of the traffic,
    /// instead of replacing it.
    public var canary: Bool
    /// The canary's share of the traffic in basis points, 0…10,000 (canary orders only).
    public var canaryWeight: Int
    /// The routing table's stickiness and canary allowlist from this order on; `nil`: none.
    public var stickiness: Stickiness?

    /// An order; the defaults follow DESIGN.md (probe every 5 s, 2 s timeout, 2 passes, 3
    /// failures, 30 s drain).
    public init(
        service: String,
        version: String,
        engine: Engine,
        image: String? = nil,
        command: [String]? = nil,
        environment: [String: String] = [:],
        containerPort: Int = 8080,
        publicPort: Int,
        instances: Int = 1,
        health: HealthProbe = .http(path: "/health", status: 200),
        healthInterval: Duration = .seconds(5),
        healthTimeout: Duration = .seconds(2),
        healthyThreshold: Int = 2,
        unhealthyThreshold: Int = 3,
        startPeriod: Duration = .zero,
        healthyDeadline: Duration = .seconds(120),
        drainTimeout: Duration = .seconds(30),
        stopGrace: Duration = .seconds(10),
        revert: Bool = false,
        proxyMode: ProxyMode = .http,
        canary: Bool = false,
        canaryWeight: Int = 0,
        stickiness: Stickiness? = nil
    ) {
        self.service = service
        self.version = version
        self.engine = engine
        self.image = image
        self.command = command
        self.environment = environment
        self.containerPort = containerPort
        self.publicPort = publicPort
        self.instances = instances
        self.health = health
        self.healthInterval = healthInterval
        self.healthTimeout = healthTimeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.startPeriod = startPeriod
        self.healthyDeadline = healthyDeadline
        self.drainTimeout = drainTimeout
        self.stopGrace = stopGrace
        self.revert = revert
        self.proxyMode = proxyMode
        self.canary = canary
        self.canaryWeight = canaryWeight
        self.stickiness = stickiness
    }

    /// The most instances of one version an order may ask for on one host.
    public static let maxInstances = 64

    /// Checks that the order can be carried out.
    ///
    /// - Throws: ``SwapError/invalidOrder(_:)`` naming the first problem.
    public func validate() throws(SwapError) {
        func invalid(_ reason: String) -> SwapError { .invalidOrder(reason) }
        guard Self.isName(service, maxLength: 63) else {
            throw invalid("service \"\(service)\" must be 1–63 of [a-z0-9._-], starting with a letter or digit")
        }
        guard !version.isEmpty, version.utf8.count <= 128,
            version.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "/" })
        else {
            throw invalid("version \"\(version)\" must be 1–128 printable ASCII characters without spaces or '/'")
        }
        switch engine {
        case .docker:
            guard let image, !image.isEmpty, !image.contains(where: \.isWhitespace) else {
                throw invalid("engine docker needs an image")
            }
            if let command, command.isEmpty { throw invalid("command, when given, must not be empty") }
        case .process:
            guard let command, let executable = command.first, !executable.isEmpty else {
                throw invalid("engine process needs a command")
            }
        }
        for key in environment.keys where key.isEmpty || key.contains("=") || key.contains("\0") {
            throw invalid("environment variable name \"\(key)\" is invalid")
        }
        for (name, port) in [("containerPort", containerPort), ("publicPort", publicPort)]
        where !(1...65_535).contains(port) {
            throw invalid("\(name) \(port) is outside 1…65535")
        }
        guard (1...Self.maxInstances).contains(instances) else {
            throw invalid("instances \(instances) is outside 1…\(Self.maxInstances)")
        }
        switch health {
        case .http(let path, let status):
            guard path.hasPrefix("/"), !path.contains(where: \.isWhitespace) else {
                throw invalid("health path \"\(path)\" must start with '/' and contain no spaces")
            }
            guard (100...599).contains(status) else { throw invalid("health status \(status) is outside 100…599") }
        case .tcp:
            break
        case .exec(let command):
            guard let executable = command.first, !executable.isEmpty else {
                throw invalid("exec health check needs a command")
            }
        }
        guard healthInterval > .zero else { throw invalid("healthInterval must be positive") }
        guard healthTimeout > .zero else { throw invalid("healthTimeout must be positive") }
        guard healthyThreshold >= 1 else { throw invalid("healthyThreshold must be at least 1") }
        guard unhealthyThreshold >= 1 else { throw invalid("unhealthyThreshold must be at least 1") }
        guard startPeriod >= .zero else { throw invalid("startPeriod must not be negative") }
        guard healthyDeadline > .zero else { throw invalid("healthyDeadline must be positive") }
        guard drainTimeout >= .zero else { throw invalid("drainTimeout must not be negative") }
        guard stopGrace >= .zero else { throw invalid("stopGrace must not be negative") }
        guard (0...10_000).contains(canaryWeight) else {
            throw invalid("canary weight \(canaryWeight) bp is outside 0…10000")
        }
        if let stickiness { try stickiness.validate() }
    }

    /// Lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit.
    static func isName(_ text: String, maxLength: Int) -> Bool {
        func isAlphanumeric(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("0"..."9").contains(c) }
        guard let first = text.unicodeScalars.first, isAlphanumeric(first), text.utf8.count <= maxLength else {
            return false
        }
        return text.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }
}
