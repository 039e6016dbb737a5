import DroverRollout
import Foundation
import Testing

/// Parses and validates `yaml` as `web.yaml`; the errors, or none.
func specErrors(_ yaml: String, file: String = "web.yaml") -> [SpecError] {
    let result = Result<ServiceSpec, SpecErrors> { () throws(SpecErrors) in try ServiceSpecParser.load(yaml, file: file)
    }
    switch result {
    case .success: return []
    case .failure(let failure): return failure.errors
    }
}

/// The one error about `field`, checking that its text names the file and the field.
func specError(at field: String, in yaml: String) -> SpecError? {
    let errors = specErrors(yaml)
    let matching = errors.filter { $0.field == field }
    #expect(matching.count == 1, "errors: \(errors)")
    if let found = matching.first {
        #expect(found.description.contains("web.yaml"))
        #expect(found.description.contains("\(field): "))
    }
    return matching.first
}

let minimalSpec = """
    name: web
    image: localhost/drover-test/web:v1
    ports: {container: 8080, public: 80}
    """

@Suite("Service spec parser")
struct ServiceSpecParserTests {
    @Test("a minimal spec gets every default")
    func defaults() throws {
        let spec = try ServiceSpecParser.load(minimalSpec, file: "web.yaml")
        #expect(
            spec
                == ServiceSpec(
                    name: "web", image: "localhost/drover-test/web:v1", ports: .init(container: 8080, public: 80)))
        #expect(spec.engine == .docker)
        #expect(spec.env.isEmpty)
        #expect(spec.hosts == ServiceSpec.HostSelector(labels: [:], instances: 1))
        #expect(spec.health.probe == .http(path: "/health", status: 200))
        #expect(spec.health.interval == .seconds(5))
        #expect(spec.health.timeout == .seconds(2))
        #expect(spec.health.healthyThreshold == 2)
        #expect(spec.health.unhealthyThreshold == 3)
        #expect(spec.health.startPeriod == .zero)
        #expect(spec.update.strategy == .rolling)
        #expect(spec.update.maxParallel == .count(1))
        #expect(spec.update.minHealthyTime == .seconds(10))
        #expect(spec.update.healthyDeadline == .minutes(5))
        #expect(spec.update.progressDeadline == .minutes(10))
        #expect(spec.update.autoRevert)
        #expect(spec.update.drainTimeout == .seconds(30))
        #expect(spec.stopGrace == .seconds(10))
    }

    @Test("every field is read")
    func fullSpec() throws {
        let spec = try ServiceSpecParser.load(
            """
            name: api
            engine: docker
            image: registry.example:5000/team/api:2.1@sha256:\(String(repeating: "a", count: 64))
            command: [/app/api, --port, "9090"]
            env: {MODE: prod, WORKERS: 4, DEBUG: false}
            ports: {container: 9090, public: 443}
            hosts: {labels: {role: api, zone: eu-1}, instances: 3}
            health:
              tcp: {}
              interval: 10s
              timeout: 1500ms
              healthy_threshold: 1
              unhealthy_threshold: 5
              start_period: 1m
            update:
              max_parallel: 25%
              min_healthy_time: 0s
              healthy_deadline: 2m
              progress_deadline: 1h30m
              auto_revert: false
              drain_timeout: 1m
            stop_grace: 20s
            """, file: "api.yaml")
        #expect(spec.command == ["/app/api", "--port", "9090"])
        #expect(spec.env == ["MODE": "prod", "WORKERS": "4", "DEBUG": "false"])
        #expect(spec.hosts.labels == ["role": "api", "zone": "eu-1"])
        #expect(spec.hosts.instances == 3)
        #expect(
            spec.health
                == HealthCheck(
                    probe: .tcp, interval: .seconds(10), timeout: .init(milliseconds: 1_500), healthyThreshold: 1,
                    unhealthyThreshold: 5, startPeriod: .minutes(1)))
        #expect(
            spec.update
                == UpdatePolicy(
                    maxParallel: .percent(25), minHealthyTime: .zero, healthyDeadline: .minutes(2),
                    progressDeadline: .minutes(90), autoRevert: false, drainTimeout: .minutes(1)))
        #expect(spec.stopGrace == .seconds(20))
        #expect(spec.hosts.matches(["role": "api", "zone": "eu-1", "disk": "ssd"]))
        #expect(!spec.hosts.matches(["role": "api"]))
    }

    @Test("exec and bare http probes")
    func probes() throws {
        let exec = try ServiceSpecParser.load(
            minimalSpec + "\nhealth: {exec: {command: [/bin/check, -q]}}", file: "web.yaml")
        #expect(exec.health.probe == .exec(command: ["/bin/check", "-q"]))
        let http = try ServiceSpecParser.load(minimalSpec + "\nhealth: {http: {status: 204}}", file: "web.yaml")
        #expect(http.health.probe == .http(path: "/health", status: 204))
        let bareTCP = try ServiceSpecParser.load(minimalSpec + "\nhealth:\n  tcp:\n", file: "web.yaml")
        #expect(bareTCP.health.probe == .tcp)
    }

    @Test("ports.mode is http by default, tcp when asked, and nothing else")
    func portsMode() throws {
        #expect(try ServiceSpecParser.load(minimalSpec, file: "web.yaml").ports.mode == .http)
        let tcp = minimalSpec.replacingOccurrences(of: "public: 80", with: "public: 80, mode: tcp")
        #expect(tcp != minimalSpec)
        #expect(try ServiceSpecParser.load(tcp, file: "web.yaml").ports.mode == .tcp)
        let wrong = minimalSpec.replacingOccurrences(of: "public: 80", with: "public: 80, mode: udp")
        #expect {
            try ServiceSpecParser.load(wrong, file: "web.yaml")
        } throws: { error in
            "\(error)".contains("ports.mode") && "\(error)".contains("must be http or tcp, got \"udp\"")
        }
    }

    @Test(
        "the example specs parse and validate",
        arguments: [
            "web.yaml", "web-v2.yaml", "web-v3-broken.yaml", "web-process.yaml", "web-process-v2.yaml",
            "web-process-v3-broken.yaml", "web-canary.yaml", "web-process-canary.yaml", "web-process-bluegreen.yaml",
        ])
    func examples(file: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let yaml = try String(contentsOf: root.appendingPathComponent("examples/\(file)"), encoding: .utf8)
        let spec = try ServiceSpecParser.load(yaml, file: file)
        #expect(RollbackBudget(spec: spec, hostCount: 10).check(spec: spec, file: file).isEmpty)
        switch spec.engine {
        case .docker:
            #expect(spec.image?.hasPrefix("localhost/drover-test/web:v") == true)
            #expect(spec.health.probe == .http(path: "/health", status: 200))
            #expect(spec.hosts.labels == ["role": "web"])
        case .process:
            #expect(spec.command?.first == "/bin/sh" && spec.command?.last?.contains("$PORT") == true)
            #expect(spec.ports.public != spec.ports.container)
        }
    }

    @Test("a spec survives JSON encoding unchanged")
    func codable() throws {
        let spec = try ServiceSpecParser.load(
            minimalSpec + "\nhealth: {exec: {command: [x]}}\nupdate: {max_parallel: 10%}", file: "web.yaml")
        let decoded = try JSONDecoder().decode(ServiceSpec.self, from: JSONEncoder().encode(spec))
        #expect(decoded == spec)
    }

    @Test("unknown fields are errors, with a did-you-mean when close")
    func unknownFields() {
        #expect(specError(at: "imgae", in: minimalSpec + "\nimgae: x")?.message == "unknown field; did you mean image?")
        #expect(
            specError(at: "update.max_paralel", in: minimalSpec + "\nupdate: {max_paralel: 2}")?.message
                == "unknown field; did you mean update.max_parallel?")
        #expect(
            specError(at: "max_parallel", in: minimalSpec + "\nmax_parallel: 2")?.message
                == "unknown field here; did you mean update.max_parallel?")
        #expect(
            specError(at: "health.intervall", in: minimalSpec + "\nhealth: {intervall: 5s}")?.message
                == "unknown field; did you mean health.interval?")
        #expect(specError(at: "Name", in: minimalSpec + "\nName: x")?.message == "unknown field; did you mean name?")
        let far = specError(at: "colour", in: minimalSpec + "\ncolour: blue")
        #expect(far?.message.hasPrefix("unknown field; expected one of name, engine") == true)
        #expect(specError(at: "health.tcp.port", in: minimalSpec + "\nhealth: {tcp: {port: 1}}") != nil)
    }

    @Test("errors carry the line of the offending field")
    func lines() {
        let yaml = minimalSpec + "\nupdate:\n  strategy: rolling\n  max_parallel: lots\n"
        let found = specError(at: "update.max_parallel", in: yaml)
        #expect(found?.line == 6)
        #expect(
            found?.description
                == "web.yaml:6: update.max_parallel: must be a host count like 2 or a percentage like 25%, got \"lots\""
        )
    }

    @Test("type errors name the field and what was given")
    func typeErrors() {
        #expect(
            specError(at: "ports.container", in: "name: web\nimage: a\nports: {container: http, public: 80}")?.message
                == "must be a whole number, got \"http\"")
        #expect(
            specError(at: "health.interval", in: minimalSpec + "\nhealth: {interval: 10}")?.message
                == "must be a duration like 500ms, 10s, 2m or 1h30m, got \"10\"")
        #expect(
            specError(at: "update.auto_revert", in: minimalSpec + "\nupdate: {auto_revert: yes}")?.message
                == "must be true or false, got \"yes\"")
        #expect(
            specError(at: "command", in: minimalSpec + "\ncommand: httpd -f")?.message.hasPrefix(
                "must be a list of strings") == true)
        #expect(
            specError(at: "update", in: minimalSpec + "\nupdate: fast")?.message.hasPrefix("must be a mapping") == true)
        #expect(
            specError(at: "env.FOO", in: minimalSpec + "\nenv: {FOO: [a, b]}")?.message
                == "must be a single value, not a list or mapping")
        #expect(
            specError(at: "env.EMPTY", in: minimalSpec + "\nenv: {EMPTY: }")?.message
                == "has no value; write \"\" for an empty string")
        #expect(
            specError(at: "engine", in: minimalSpec + "\nengine: kvm")?.message
                == "must be docker or process, got \"kvm\"")
        #expect(
            specError(at: "update.strategy", in: minimalSpec + "\nupdate: {strategy: recreate}")?.message
                == "unknown strategy \"recreate\"; supported: rolling, canary, blue-green")
        #expect(
            specError(at: "health", in: minimalSpec + "\nhealth: {tcp: {}, http: {}}")?.message
                == "choose one probe, not http and tcp")
        #expect(
            specError(at: "health.exec.command", in: minimalSpec + "\nhealth: {exec: {}}")?.message == "is required")
    }

    @Test("required fields are named")
    func required() {
        let errors = specErrors("engine: docker")
        #expect(errors.map(\.field) == ["name", "ports"])
        #expect(errors.allSatisfy { $0.message.hasPrefix("is required") })
        #expect(
            specError(at: "ports.public", in: "name: web\nimage: a\nports: {container: 80}")?.message == "is required")
    }

    @Test("YAML syntax errors, duplicate keys and empty files are reported with the file")
    func yamlProblems() {
        let syntax = specErrors("name: web\nports: {container: 80\n")
        #expect(syntax.count == 1)
        #expect(syntax.first?.message.hasPrefix("not valid YAML") == true)
        #expect(syntax.first?.line != nil)
        #expect(syntax.first?.description.hasPrefix("web.yaml:") == true)
        let duplicate = specErrors(minimalSpec + "\nname: other")
        #expect(duplicate.map(\.field) == ["name"])
        #expect(duplicate.first?.message == "given more than once")
        #expect(specErrors("").first?.message.hasPrefix("the file is empty") == true)
        #expect(specErrors("- a\n- b").first?.message.hasPrefix("must be a mapping") == true)
    }

    @Test("several errors are reported together")
    func manyErrors() {
        let errors = specErrors("name: Web\nimage: a\nports: {container: 0, public: 80}\nupdate: {max_parallel: 0}")
        #expect(errors.map(\.field) == ["name", "ports.container", "update.max_parallel"])
        let thrown = SpecErrors(errors)
        #expect(thrown.description.split(separator: "\n").count == 3)
    }
}
