/// Checks what a parsed ``ServiceSpec`` means: ranges, names, references and rules that span fields.
///
/// Every problem becomes one ``SpecError`` naming the file, the field path and what is wrong;
/// an empty list means the spec is valid. The rollback bound is a separate check,
/// ``RollbackBudget``, because it needs the fleet size.
public enum ServiceSpecValidator {
    /// The shortest health interval accepted: checks any faster would load the instance for nothing.
    public static let minimumHealthInterval = SpecDuration(milliseconds: 100)

    /// Every problem in `spec`, read from `file`.
    public static func validate(_ spec: ServiceSpec, file: String) -> [SpecError] {
        var errors: [SpecError] = []
        func fail(_ field: String, _ message: String) {
            errors.append(SpecError(file: file, field: field, message: message))
        }
        if let problem = ImageReference.dnsLabelProblem(spec.name) {
            fail("name", problem)
        }
        if let version = spec.version, !ImageReference.isTag(Substring(version)) {
            fail(
                "version",
                "must be letters, digits, _, . and -, at most 128, not starting with . or -, got \"\(version)\"")
        }
        validateEngine(spec, fail: fail)
        for key in spec.env.keys.sorted() where !isEnvironmentName(key) {
            fail("env.\(key)", "is not a valid variable name (letters, digits and _, not starting with a digit)")
        }
        for (field, port) in [("ports.container", spec.ports.container), ("ports.public", spec.ports.public)]
        where !(1...65_535).contains(port) {
            fail(field, "must be a port from 1 to 65535, got \(port)")
        }
        if spec.engine == .process, spec.ports.public == spec.ports.container {
            fail(
                "ports.public",
                "must differ from ports.container with the process engine: the process and the proxy share the host's network"
            )
        }
        for (key, value) in spec.hosts.labels.sorted(by: { $0.key < $1.key }) {
            if key.isEmpty || !key.allSatisfy(isLabelCharacter) {
                fail("hosts.labels.\(key)", "is not a valid label name (letters, digits, ., _, -, /)")
            } else if value.isEmpty || !value.allSatisfy(isLabelCharacter) {
                fail("hosts.labels.\(key)", "value \"\(value)\" must be non-empty letters, digits, ., _, -, /")
            }
        }
        if spec.hosts.instances < 1 {
            fail("hosts.instances", "must be at least 1, got \(spec.hosts.instances)")
        } else if spec.engine == .process, spec.hosts.instances > 1 {
            fail(
                "hosts.instances",
                "must be 1 with the process engine: every instance would listen on ports.container of the same host")
        }
        validateHealth(spec.health, fail: fail)
        validateUpdate(spec.update, fail: fail)
        validateTrafficStrategies(spec.update, fail: fail)
        return errors
    }

    private static func validateEngine(_ spec: ServiceSpec, fail: (String, String) -> Void) {
        switch spec.engine {
        case .docker:
            if let image = spec.image {
                if let problem = ImageReference.problem(image) { fail("image", problem) }
            } else {
                fail("image", "is required with engine docker")
            }
        case .process:
            if spec.image != nil {
                fail("image", "is only for engine docker; the process engine runs `command`")
            }
            if spec.command == nil {
                fail("command", "is required with engine process, e.g. [\"/usr/bin/busybox\", \"httpd\", \"-f\"]")
            }
        }
        if let command = spec.command, command.first?.isEmpty ?? true {
            fail("command", "must name a program as its first element")
        }
    }

    private static func validateHealth(_ health: HealthCheck, fail: (String, String) -> Void) {
        switch health.probe {
        case .http(let path, let status):
            if !path.hasPrefix("/") || path.contains(where: { $0 == " " || $0.isNewline }) {
                fail("health.http.path", "must start with / and contain no spaces, got \"\(path)\"")
            }
            if !(100...599).contains(status) {
                fail("health.http.status", "must be an HTTP status from 100 to 599, got \(status)")
            }
        case .tcp:
            break
        case .exec(let command):
            if command.first?.isEmpty ?? true {
                fail("health.exec.command", "must name a program as its first element")
            }
        }
        if health.interval < minimumHealthInterval {
            fail("health.interval", "must be at least \(minimumHealthInterval), got \(health.interval)")
        }
        if health.timeout.milliseconds <= 0 {
            fail("health.timeout", "must be more than 0s")
        } else if health.timeout >= health.interval {
            fail("health.timeout", "must be less than health.interval (\(health.interval)), got \(health.timeout)")
        }
        for (field, value) in [
            ("health.healthy_threshold", health.healthyThreshold),
            ("health.unhealthy_threshold", health.unhealthyThreshold),
        ] where value < 1 {
            fail(field, "must be at least 1, got \(value)")
        }
    }

    private static func validateUpdate(_ update: UpdatePolicy, fail: (String, String) -> Void) {
        switch update.maxParallel {
        case .count(let count) where count < 1:
            fail("update.max_parallel", "must be at least 1 host, got \(count)")
        case .percent(let percent) where !(1...100).contains(percent):
            fail("update.max_parallel", "must be a percentage from 1% to 100%, got \(percent)%")
        default:
            break
        }
        if update.healthyDeadline <= update.minHealthyTime {
            fail(
                "update.healthy_deadline",
                "must be longer than update.min_healthy_time (\(update.minHealthyTime)), got \(update.healthyDeadline)")
        }
        if update.progressDeadline <= update.healthyDeadline {
            fail(
                "update.progress_deadline",
                "must be longer than update.healthy_deadline (\(update.healthyDeadline)), got \(update.progressDeadline)"
            )
        }
    }

    /// POSIX-portable environment variable names.
    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || isASCIILetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || isASCIILetter($0) || ("0"..."9").contains($0) }
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isLabelCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "._-/".contains(character))
    }
}
