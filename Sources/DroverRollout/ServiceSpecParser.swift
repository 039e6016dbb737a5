import Yams

/// Turns one service's YAML file into a ``ServiceSpec`` with every default applied.
///
/// The parser checks shape (known fields, types, duration and `max_parallel` syntax);
/// ``ServiceSpecValidator`` checks meaning (ranges, names, cross-field rules). ``load(_:file:)``
/// runs both. Errors name the file, the line, the field path and what is wrong.
///
/// ```yaml
/// name: web
/// version: v1                       # optional; else the image tag, else a hash of the spec
/// engine: docker                    # or process (then `command` is required)
/// image: localhost/drover-test/web:v1
/// env: {GREETING: hello}
/// ports: {container: 8080, public: 80}
/// hosts: {labels: {role: web}, instances: 1}   # no labels: every host
/// health:
///   http: {path: /health, status: 200}        # or tcp: {} or exec: {command: [...]}
///   interval: 5s
/// update: {strategy: rolling, max_parallel: 25%}
/// ```
public enum ServiceSpecParser {
    static let topLevelKeys = [
        "name", "engine", "image", "command", "env", "ports", "hosts", "health", "update", "stop_grace", "version",
    ]
    static let portKeys = ["container", "public", "mode"]
    static let hostKeys = ["labels", "instances"]
    static let healthKeys = [
        "http", "tcp", "exec", "interval", "timeout", "healthy_threshold", "unhealthy_threshold", "start_period",
    ]
    static let updateKeys = [
        "strategy", "max_parallel", "min_healthy_time", "healthy_deadline", "progress_deadline", "auto_revert",
        "drain_timeout", "canary", "analysis", "blue_green",
    ]

    /// Every nested key with its full path, for "did you mean update.max_parallel" at the wrong level.
    static let nestedPaths: [String: String] = {
        var paths: [String: String] = [:]
        for (block, keys) in [("ports", portKeys), ("hosts", hostKeys), ("health", healthKeys), ("update", updateKeys)]
        {
            for key in keys { paths[key] = "\(block).\(key)" }
        }
        paths["labels"] = "hosts.labels"
        paths["port"] = "ports"
        paths["environment"] = "env"
        return paths
    }()

    /// Parses and validates: the spec, or every error found (shape errors first).
    public static func load(_ yaml: String, file: String) throws(SpecErrors) -> ServiceSpec {
        let spec = try parse(yaml, file: file)
        let errors = ServiceSpecValidator.validate(spec, file: file)
        guard errors.isEmpty else { throw SpecErrors(errors) }
        return spec
    }

    /// Parses one spec with defaults applied; throws every shape error found.
    public static func parse(_ yaml: String, file: String) throws(SpecErrors) -> ServiceSpec {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw SpecErrors([yamlError(error, file: file)])
        }
        guard let root, !SpecNodeReader.isNull(root) else {
            throw SpecErrors([
                SpecError(
                    file: file, field: "",
                    message: "the file is empty; a service spec needs at least name, image and ports")
            ])
        }
        var reader = SpecNodeReader(file: file)
        let spec = readSpec(root, reader: &reader)
        guard reader.errors.isEmpty, let spec else {
            throw SpecErrors(reader.errors)
        }
        return spec
    }

    /// A YAML syntax error as a spec error with its line.
    private static func yamlError(_ error: any Error, file: String) -> SpecError {
        switch error {
        case YamlError.scanner(_, let problem, let mark, _),
            YamlError.parser(_, let problem, let mark, _),
            YamlError.composer(_, let problem, let mark, _):
            return SpecError(file: file, line: mark.line, field: "", message: "not valid YAML: \(problem)")
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            return SpecError(
                file: file, line: context.mark.line, field: duplicates.joined(separator: ", "),
                message: "given more than once")
        default:
            return SpecError(file: file, field: "", message: "not valid YAML: \(error)")
        }
    }

    private static func readSpec(_ root: Node, reader: inout SpecNodeReader) -> ServiceSpec? {
        guard let fields = reader.mapping(root, at: "", allowed: topLevelKeys, elsewhere: nestedPaths) else {
            return nil
        }
        var name: String?
        if let node = fields["name"] {
            name = reader.string(node, at: "name")
        } else {
            reader.fail("name", nil, "is required")
        }
        let version = fields["version"].flatMap { reader.string($0, at: "version") }
        var engine = ServiceSpec.Engine.docker
        if let node = fields["engine"], let text = reader.string(node, at: "engine") {
            if let value = ServiceSpec.Engine(rawValue: text) {
                engine = value
            } else {
                reader.fail("engine", node, "must be docker or process, got \"\(text)\"")
            }
        }
        let image = fields["image"].flatMap { reader.string($0, at: "image") }
        let command = fields["command"].flatMap { reader.stringList($0, at: "command") }
        let env = fields["env"].flatMap { reader.stringMap($0, at: "env") } ?? [:]
        var ports: ServiceSpec.Ports?
        if let node = fields["ports"] {
            ports = readPorts(node, reader: &reader)
        } else {
            reader.fail("ports", nil, "is required: ports: {container: 8080, public: 80}")
        }
        let hosts = fields["hosts"].flatMap { readHosts($0, reader: &reader) } ?? ServiceSpec.HostSelector()
        let health = fields["health"].flatMap { readHealth($0, reader: &reader) } ?? HealthCheck()
        let update = fields["update"].flatMap { readUpdate($0, reader: &reader) } ?? UpdatePolicy()
        let stopGrace =
            fields["stop_grace"].flatMap { reader.duration($0, at: "stop_grace") } ?? ServiceSpec.defaultStopGrace
        guard let name, let ports else { return nil }
        return ServiceSpec(
            name: name, version: version, engine: engine, image: image, command: command, env: env, ports: ports,
            hosts: hosts,
            health: health, update: update, stopGrace: stopGrace)
    }

    private static func readPorts(_ node: Node, reader: inout SpecNodeReader) -> ServiceSpec.Ports? {
        guard let fields = reader.mapping(node, at: "ports", allowed: portKeys) else { return nil }
        var values: [String: Int] = [:]
        for key in ["container", "public"] {
            if let value = fields[key] {
                values[key] = reader.int(value, at: "ports.\(key)")
            } else {
                reader.fail("ports.\(key)", node, "is required")
            }
        }
        var mode = ServiceSpec.Ports.Mode.http
        if let value = fields["mode"], let text = reader.string(value, at: "ports.mode") {
            if let parsed = ServiceSpec.Ports.Mode(rawValue: text) {
                mode = parsed
            } else {
                reader.fail("ports.mode", value, "must be http or tcp, got \"\(text)\"")
            }
        }
        guard let container = values["container"], let publicPort = values["public"] else { return nil }
        return ServiceSpec.Ports(container: container, public: publicPort, mode: mode)
    }

    private static func readHosts(_ node: Node, reader: inout SpecNodeReader) -> ServiceSpec.HostSelector? {
        guard let fields = reader.mapping(node, at: "hosts", allowed: hostKeys) else { return nil }
        var selector = ServiceSpec.HostSelector()
        if let labels = fields["labels"].flatMap({ reader.stringMap($0, at: "hosts.labels") }) {
            selector.labels = labels
        }
        if let instances = fields["instances"].flatMap({ reader.int($0, at: "hosts.instances") }) {
            selector.instances = instances
        }
        return selector
    }

    private static func readHealth(_ node: Node, reader: inout SpecNodeReader) -> HealthCheck? {
        guard let fields = reader.mapping(node, at: "health", allowed: healthKeys) else { return nil }
        var health = HealthCheck()
        let probes = ["http", "tcp", "exec"].filter { fields[$0] != nil }
        if probes.count > 1 {
            reader.fail("health", node, "choose one probe, not \(probes.joined(separator: " and "))")
        } else if let kind = probes.first, let probeNode = fields[kind],
            let probe = readProbe(kind, probeNode, reader: &reader)
        {
            health.probe = probe
        }
        if let value = fields["interval"].flatMap({ reader.duration($0, at: "health.interval") }) {
            health.interval = value
        }
        if let value = fields["timeout"].flatMap({ reader.duration($0, at: "health.timeout") }) {
            health.timeout = value
        }
        if let value = fields["healthy_threshold"].flatMap({ reader.int($0, at: "health.healthy_threshold") }) {
            health.healthyThreshold = value
        }
        if let value = fields["unhealthy_threshold"].flatMap({ reader.int($0, at: "health.unhealthy_threshold") }) {
            health.unhealthyThreshold = value
        }
        if let value = fields["start_period"].flatMap({ reader.duration($0, at: "health.start_period") }) {
            health.startPeriod = value
        }
        return health
    }

    private static func readProbe(_ kind: String, _ node: Node, reader: inout SpecNodeReader) -> HealthCheck.Probe? {
        let field = "health.\(kind)"
        switch kind {
        case "http":
            if SpecNodeReader.isNull(node) { return .http(path: "/health", status: 200) }
            guard let fields = reader.mapping(node, at: field, allowed: ["path", "status"]) else { return nil }
            let path = fields["path"].flatMap { reader.string($0, at: "\(field).path") } ?? "/health"
            let status = fields["status"].flatMap { reader.int($0, at: "\(field).status") } ?? 200
            return .http(path: path, status: status)
        case "tcp":
            if SpecNodeReader.isNull(node) { return .tcp }
            guard reader.mapping(node, at: field, allowed: []) != nil else { return nil }
            return .tcp
        default:
            guard let fields = reader.mapping(node, at: field, allowed: ["command"]) else { return nil }
            guard let commandNode = fields["command"] else {
                reader.fail("\(field).command", node, "is required")
                return nil
            }
            return reader.stringList(commandNode, at: "\(field).command").map { .exec(command: $0) }
        }
    }

    private static func readUpdate(_ node: Node, reader: inout SpecNodeReader) -> UpdatePolicy? {
        guard let fields = reader.mapping(node, at: "update", allowed: updateKeys) else { return nil }
        var policy = UpdatePolicy()
        if let strategyNode = fields["strategy"], let text = reader.string(strategyNode, at: "update.strategy") {
            if let strategy = UpdatePolicy.Strategy(rawValue: text) {
                policy.strategy = strategy
            } else {
                let known = UpdatePolicy.Strategy.allCases.map(\.rawValue).joined(separator: ", ")
                reader.fail("update.strategy", strategyNode, "unknown strategy \"\(text)\"; supported: \(known)")
            }
        }
        if let parallelNode = fields["max_parallel"],
            let text = reader.string(parallelNode, at: "update.max_parallel")
        {
            if let value = UpdatePolicy.MaxParallel(parsing: text) {
                policy.maxParallel = value
            } else {
                reader.fail(
                    "update.max_parallel", parallelNode,
                    "must be a host count like 2 or a percentage like 25%, got \"\(text)\"")
            }
        }
        let durations: [(String, WritableKeyPath<UpdatePolicy, SpecDuration>)] = [
            ("min_healthy_time", \.minHealthyTime), ("healthy_deadline", \.healthyDeadline),
            ("progress_deadline", \.progressDeadline), ("drain_timeout", \.drainTimeout),
        ]
        for (key, path) in durations {
            if let value = fields[key].flatMap({ reader.duration($0, at: "update.\(key)") }) {
                policy[keyPath: path] = value
            }
        }
        if let value = fields["auto_revert"].flatMap({ reader.bool($0, at: "update.auto_revert") }) {
            policy.autoRevert = value
        }
        policy.canary = fields["canary"].flatMap { readCanary($0, reader: &reader) }
        policy.analysis = fields["analysis"].flatMap { readAnalysis($0, reader: &reader) }
        policy.blueGreen = fields["blue_green"].flatMap { readBlueGreen($0, reader: &reader) }
        return policy
    }
}
