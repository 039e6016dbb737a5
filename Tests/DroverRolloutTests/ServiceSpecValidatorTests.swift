import DroverRollout
import Testing

@Suite("Service spec validator")
struct ServiceSpecValidatorTests {
    @Test("name must be a DNS label", arguments: ["Web", "web_1", "-web", "web-", "1web", String(repeating: "a", count: 64)])
    func badNames(name: String) {
        let found = specError(at: "name", in: "name: \"\(name)\"\nimage: a\nports: {container: 80, public: 81}")
        #expect(found?.message.contains("DNS label") == true || found?.message.contains("1 to 63") == true)
    }

    @Test("good names and image references pass", arguments: [
        "web", "a", "localhost/drover-test/web:v1", "nginx", "library/nginx:1.27-alpine",
        "registry.example:5000/team/web_app__x:v1.2.3", "ghcr.io/o/p@sha256:\(String(repeating: "0", count: 64))",
        "a-b/c--d:TAG_1",
    ])
    func goodImages(image: String) {
        #expect(specErrors("name: web\nimage: \"\(image)\"\nports: {container: 80, public: 81}").isEmpty)
    }

    @Test("image references are checked", arguments: [
        ("Web/App:v1", "invalid repository path"), ("web:", "invalid tag"), ("web:-x", "invalid tag"),
        ("web@sha256:abc", "malformed digest"), ("localhost:99999/web", "not a valid image reference"),
        ("a//b", "invalid repository path"), ("web app", "invalid repository path"), ("a_-b", "invalid repository path"),
    ])
    func badImages(image: String, problem: String) {
        let found = specError(at: "image", in: "name: web\nimage: \"\(image)\"\nports: {container: 80, public: 81}")
        #expect(found?.message.contains(problem) == true, "\(String(describing: found))")
    }

    @Test("engines need their own field")
    func engines() {
        #expect(specError(at: "image", in: "name: web\nports: {container: 80, public: 81}")?.message == "is required with engine docker")
        let process = "name: web\nengine: process\nports: {container: 80, public: 81}"
        #expect(specError(at: "command", in: process)?.message.hasPrefix("is required with engine process") == true)
        #expect(specError(at: "image", in: process + "\ncommand: [x]\nimage: web")?.message.hasPrefix("is only for engine docker") == true)
        #expect(specError(at: "command", in: process + "\ncommand: [\"\"]")?.message == "must name a program as its first element")
        #expect(specError(at: "command", in: process + "\ncommand: []")?.message == "must name a program as its first element")
    }

    @Test("environment names are checked")
    func environment() {
        #expect(specError(at: "env.1FOO", in: minimalSpec + "\nenv: {1FOO: x}")?.message.hasPrefix("is not a valid variable name") == true)
        #expect(specError(at: "env.A-B", in: minimalSpec + "\nenv: {A-B: x}") != nil)
        #expect(specErrors(minimalSpec + "\nenv: {_OK: x, FOO_2: \"\"}").isEmpty)
    }

    @Test("ports are 1 to 65535; public may differ from container; process needs them different")
    func ports() {
        #expect(specError(at: "ports.container", in: "name: web\nimage: a\nports: {container: 0, public: 80}")?.message == "must be a port from 1 to 65535, got 0")
        #expect(specError(at: "ports.public", in: "name: web\nimage: a\nports: {container: 80, public: 65536}")?.message == "must be a port from 1 to 65535, got 65536")
        #expect(specErrors("name: web\nimage: a\nports: {container: 80, public: 80}").isEmpty)
        let process = "name: web\nengine: process\ncommand: [x]\nports: {container: 80, public: 80}"
        #expect(specError(at: "ports.public", in: process)?.message.hasPrefix("must differ from ports.container") == true)
    }

    @Test("host selection is checked")
    func hosts() {
        #expect(specError(at: "hosts.instances", in: minimalSpec + "\nhosts: {instances: 0}")?.message == "must be at least 1, got 0")
        let process = "name: web\nengine: process\ncommand: [x]\nports: {container: 80, public: 81}\nhosts: {instances: 2}"
        #expect(specError(at: "hosts.instances", in: process)?.message.hasPrefix("must be 1 with the process engine") == true)
        #expect(specError(at: "hosts.labels.role", in: minimalSpec + "\nhosts: {labels: {role: \"web server\"}}") != nil)
        #expect(specError(at: "hosts.labels.bad key", in: minimalSpec + "\nhosts: {labels: {bad key: x}}") != nil)
    }

    @Test("health checks are checked")
    func health() {
        #expect(specError(at: "health.http.path", in: minimalSpec + "\nhealth: {http: {path: health}}")?.message == "must start with / and contain no spaces, got \"health\"")
        #expect(specError(at: "health.http.status", in: minimalSpec + "\nhealth: {http: {status: 700}}")?.message == "must be an HTTP status from 100 to 599, got 700")
        #expect(specError(at: "health.exec.command", in: minimalSpec + "\nhealth: {exec: {command: []}}")?.message == "must name a program as its first element")
        #expect(specError(at: "health.interval", in: minimalSpec + "\nhealth: {interval: 50ms, timeout: 10ms}")?.message == "must be at least 100ms, got 50ms")
        #expect(specError(at: "health.timeout", in: minimalSpec + "\nhealth: {interval: 5s, timeout: 5s}")?.message == "must be less than health.interval (5s), got 5s")
        #expect(specError(at: "health.timeout", in: minimalSpec + "\nhealth: {timeout: 0s}")?.message == "must be more than 0s")
        #expect(specError(at: "health.healthy_threshold", in: minimalSpec + "\nhealth: {healthy_threshold: 0}")?.message == "must be at least 1, got 0")
        #expect(specError(at: "health.unhealthy_threshold", in: minimalSpec + "\nhealth: {unhealthy_threshold: -1}")?.message == "must be at least 1, got -1")
    }

    @Test("update policy is checked")
    func update() {
        #expect(specError(at: "update.max_parallel", in: minimalSpec + "\nupdate: {max_parallel: 0}")?.message == "must be at least 1 host, got 0")
        #expect(specError(at: "update.max_parallel", in: minimalSpec + "\nupdate: {max_parallel: 150%}")?.message == "must be a percentage from 1% to 100%, got 150%")
        #expect(specError(at: "update.max_parallel", in: minimalSpec + "\nupdate: {max_parallel: 0%}") != nil)
        #expect(specErrors(minimalSpec + "\nupdate: {max_parallel: \"2\"}").isEmpty)
        #expect(specError(at: "update.healthy_deadline", in: minimalSpec + "\nupdate: {min_healthy_time: 5m}")?.message == "must be longer than update.min_healthy_time (5m), got 5m")
        #expect(specError(at: "update.progress_deadline", in: minimalSpec + "\nupdate: {progress_deadline: 5m}")?.message == "must be longer than update.healthy_deadline (5m), got 5m")
    }

    @Test("max_parallel resolves against the fleet, at least one host")
    func maxParallelResolution() {
        #expect(UpdatePolicy.MaxParallel.percent(25).resolved(hostCount: 1000) == 250)
        #expect(UpdatePolicy.MaxParallel.percent(25).resolved(hostCount: 3) == 1)
        #expect(UpdatePolicy.MaxParallel.percent(100).resolved(hostCount: 7) == 7)
        #expect(UpdatePolicy.MaxParallel.count(2).resolved(hostCount: 1) == 2)
        #expect(UpdatePolicy.MaxParallel(parsing: "25%") == .percent(25))
        #expect(UpdatePolicy.MaxParallel(parsing: "x%") == nil)
    }
}
