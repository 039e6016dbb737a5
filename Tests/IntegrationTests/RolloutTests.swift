import DroverStore
import DroverTestSupport
import Foundation
import Testing

/// Rolling deploys end to end: a real controller, three real agents on 127.0.0.2–4 running
/// a service through their proxies, the operator CLI, and load sent through every proxy the
/// whole time.
@Suite("Rolling deploys end to end", .serialized)
struct RolloutTests {
    static let addresses = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]

    @Test("process engine: v1, then v2 rolled out, then a failing v3 rolled back to v2, no failed request")
    func processEngineRollingDeployAndAutomaticRollback() async throws {
        try await withRolloutFleet(engine: .process) { fleet, service in
            #expect(try await fleet.deploy("v1").status == 0)
            try await service.expectServing("v1")

            let load = service.startLoad()
            let v2 = try await fleet.deploy("v2")
            #expect(v2.status == 0, "\(v2.transcript)")
            #expect(v2.stdout.contains("succeeded"))
            try await service.expectServing("v2")

            let v3 = try await fleet.deploy("v3")
            #expect(v3.status == 5, "a rolled-back deploy exits 5: \(v3.transcript)")
            #expect(v3.stdout.contains("ROLLED BACK"))
            #expect(v3.stdout.contains("Why:") && v3.stdout.contains("Observed:") && v3.stdout.contains("Threshold:"))
            try await service.expectServing("v2")
            let (succeeded, failures) = await load.finish()
            #expect(failures.isEmpty, "failed requests: \(failures.prefix(10))")
            #expect(succeeded > 100)

            // What the operator sees afterwards.
            let services = try await fleet.json(["services", "-o", "json"])
            let listed = (services["services"] as? [[String: Any]])?.first { $0["name"] as? String == service.name }
            #expect(listed?["current_version"] as? String == "v2")
            let history = try await fleet.json(["history", service.name, "-o", "json"])
            let rollouts = history["rollouts"] as? [[String: Any]] ?? []
            #expect(rollouts.map { $0["phase"] as? String } == ["rolled_back", "succeeded", "succeeded"])
            #expect(rollouts.first?["rollback_duration_ms"] is Int)
        }
    }

    @Test("docker engine (Podman): v1, v2, failing v3 rolled back, no failed request")
    func dockerEngineRollingDeployAndAutomaticRollback() async throws {
        try await withRolloutFleet(engine: .docker) { fleet, service in
            #expect(try await fleet.deploy("v1").status == 0)
            try await service.expectServing("v1")
            let load = service.startLoad()
            #expect(try await fleet.deploy("v2").status == 0)
            try await service.expectServing("v2")
            let v3 = try await fleet.deploy("v3")
            #expect(v3.status == 5, "\(v3.transcript)")
            try await service.expectServing("v2")
            let (succeeded, failures) = await load.finish()
            #expect(failures.isEmpty, "failed requests: \(failures.prefix(10))")
            #expect(succeeded > 100)
        }
    }

    @Test(
        "the controller killed mid-rollout resumes it after a restart; re-sent commands are applied once",
        arguments: [RolloutService.Engine.process, .docker])
    func controllerRestartResumesTheRollout(engine: RolloutService.Engine) async throws {
        try await withRolloutFleet(engine: engine, minHealthyTime: "3s") { fleet, service in
            #expect(try await fleet.deploy("v1").status == 0)
            let started = try await fleet.json(["deploy", service.specPath("v2"), "--detach", "-o", "json"])
            let id = try #require(started["id"] as? String)
            // Kill it while a host is being swapped or stabilizing, before the rollout is over.
            try await pollAsync(timeout: .seconds(60), "a host of \(id) under way") {
                let detail = try await fleet.json(["rollout", "status", id, "-o", "json"])
                let statuses = (detail["hosts"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
                return statuses.contains("stabilizing") || statuses.contains("swapping")
            }
            fleet.controller?.signal(SIGKILL)
            _ = try await fleet.controller?.waitForExit()
            try await fleet.startController(heartbeatInterval: "1s")
            let watched = try await fleet.cli(["rollout", "status", id, "--watch"], timeout: .seconds(180))
            #expect(watched.status == 0, "\(watched.transcript)")
            try await service.expectServing("v2")
            // Every command id reached each agent's executor once; the controller re-sent the
            // outstanding ones after its restart and the agents answered DUPLICATE.
            var accepted: [String] = []
            for agent in service.agents {
                for line in agent.stderr.split(separator: "\n") where line.contains("swap accepted") {
                    guard let range = line.range(of: "command.id=") else { continue }
                    accepted.append(String(line[range.upperBound...].prefix { $0 != " " }))
                }
            }
            #expect(Set(accepted).count == accepted.count, "a command was started twice: \(accepted)")
            #expect(service.agents.contains { $0.stderr.contains("answered DUPLICATE") })
        }
    }

    @Test("an agent killed mid-swap converges after its restart", arguments: [RolloutService.Engine.process, .docker])
    func agentKilledMidSwapConverges(engine: RolloutService.Engine) async throws {
        try await withRolloutFleet(engine: engine, startPeriod: "2s") { fleet, service in
            #expect(try await fleet.deploy("v1").status == 0)
            let started = try await fleet.json(["deploy", service.specPath("v2"), "--detach", "-o", "json"])
            let id = try #require(started["id"] as? String)
            // The host seen swapping is the one killed (read once: on a loaded machine a second
            // look can come after its swap finished).
            var swappingHost: String?
            try await pollAsync(timeout: .seconds(60), "the first host swapping") {
                let detail = try await fleet.json(["rollout", "status", id, "-o", "json"])
                let swapping = (detail["hosts"] as? [[String: Any]] ?? []).first { $0["status"] as? String == "swapping" }
                swappingHost = swapping?["host"] as? String
                return swappingHost != nil
            }
            let hostID = try #require(swappingHost)
            let index = try #require(service.hostIDs.firstIndex(of: hostID))
            service.agents[index].signal(SIGKILL)
            _ = try await service.agents[index].waitForExit()
            service.agents[index] = try service.restartAgent(index)
            let watched = try await fleet.cli(["rollout", "status", id, "--watch", "-o", "json"], timeout: .seconds(180))
            let final = try JSONSerialization.jsonObject(with: Data(watched.stdout.utf8)) as? [String: Any]
            let phase = (final?["summary"] as? [String: Any])?["phase"] as? String
            // Either way the fleet is consistent: all on v2 (the swap resumed) or all back on v1.
            #expect(phase == "succeeded" || phase == "rolled_back", "\(watched.transcript)")
            try await service.expectServing(phase == "succeeded" ? "v2" : "v1")
            let state = try String(contentsOfFile: fleet.stateDirectory("agent-\(index)") + "/journal.json", encoding: .utf8)
            #expect(!state.contains("\"swap\":{"), "no swap left half done in the journal")
        }
    }
}

// MARK: - Harness

/// The service under test on the three agents: its spec files, its proxies, its load.
final class RolloutService: @unchecked Sendable {
    enum Engine: Sendable, CustomStringConvertible {
        case process, docker
        var description: String { self == .process ? "process" : "docker" }
    }

    let name: String
    let engine: Engine
    let publicPort: Int
    let directory: URL
    let fleet: Fleet
    var agents: [ManagedProcess] = []
    var hostIDs: [String] = []
    var agentArguments: [[String]] = []

    init(name: String, engine: Engine, publicPort: Int, directory: URL, fleet: Fleet) {
        self.name = name
        self.engine = engine
        self.publicPort = publicPort
        self.directory = directory
        self.fleet = fleet
    }

    func specPath(_ version: String) -> String {
        directory.appendingPathComponent("\(name)-\(version).yaml").path
    }

    /// Every proxy answers `/version` with `version`.
    func expectServing(_ version: String) async throws {
        for address in RolloutTests.addresses {
            try await pollAsync(timeout: .seconds(30), "\(address):\(publicPort) serving \(version)") {
                await httpGet(host: address, port: publicPort, "/version")?.body.trimmingSuffixNewlines == version
            }
        }
    }

    /// Load through every proxy until ``RolloutLoad/finish()``.
    func startLoad() -> RolloutLoad {
        RolloutLoad(generators: RolloutTests.addresses.map { LoadGenerator(host: $0, port: publicPort, path: "/version") })
    }

    func restartAgent(_ index: Int) throws -> ManagedProcess {
        try fleet.startAgent(
            "agent-\(index)", address: RolloutTests.addresses[index], run: 2, extra: agentArguments[index])
    }
}

/// Load generators running in the background of a test.
final class RolloutLoad: @unchecked Sendable {
    let generators: [LoadGenerator]
    private let task: Task<Void, Never>

    init(generators: [LoadGenerator]) {
        self.generators = generators
        task = Task {
            await withDiscardingTaskGroup { group in
                for generator in generators { group.addTask { await generator.run() } }
            }
        }
    }

    /// Stops the load; the requests that succeeded and every failure.
    func finish() async -> (Int, [String]) {
        for generator in generators { generator.stop() }
        await task.value
        return (generators.map(\.succeeded).reduce(0, +), generators.flatMap(\.failures))
    }
}

extension Fleet {
    /// `drover deploy SPEC` for `version` of the test's service, followed to its end.
    func deploy(_ version: String, service: RolloutService? = nil) async throws -> (status: Int32, stdout: String, transcript: String) {
        guard let service = service ?? currentService else { throw PollTimeout(what: "a service") }
        return try await cli(["deploy", service.specPath(version), "--poll-interval", "200ms"], timeout: .seconds(240))
    }

    /// An operator command's JSON output (exit status 0 required).
    func json(_ arguments: [String]) async throws -> [String: Any] {
        let run = try await cli(arguments)
        guard run.status == 0, let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
            throw PollTimeout(what: "drover \(arguments.joined(separator: " ")) to succeed: \(run.transcript)")
        }
        return object
    }
}

/// A controller, three agents on 127.0.0.2–4 with the engine, and spec files for v1–v3 of a
/// uniquely named service (v3 fails its health check).
func withRolloutFleet(
    engine: RolloutService.Engine,
    minHealthyTime: String = "1s",
    startPeriod: String = "0s",
    _ body: (Fleet, RolloutService) async throws -> Void
) async throws {
    try await withProcessScope { scope in
        let fleet = Fleet(scope: scope)
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let service = RolloutService(
            name: "web-\(suffix)", engine: engine, publicPort: try freeLoopbackPort(), directory: scope.directory, fleet: fleet)
        fleet.currentService = service
        var podman: ManagedProcess?
        defer {
            // Services outlive their agents by design; remove what this test started.
            switch engine {
            case .process:
                _ = try? runShell("pkill -KILL -f '\(scope.directory.path)/www' || true")
            case .docker:
                _ = try? runShell("podman ps -aq --filter label=drover.service=\(service.name) | xargs -r podman rm -f -t 0 >/dev/null")
            }
            podman?.killNow()
        }
        var engineArguments: [String]
        switch engine {
        case .process:
            engineArguments = ["--process-engine"]
            for version in ["v1", "v2", "v3"] {
                let www = scope.directory.appendingPathComponent("www/\(version)")
                try FileManager.default.createDirectory(at: www, withIntermediateDirectories: true)
                try "\(version)\n".write(to: www.appendingPathComponent("version"), atomically: true, encoding: .utf8)
                if version != "v3" { try "ok\n".write(to: www.appendingPathComponent("health"), atomically: true, encoding: .utf8) }
            }
        case .docker:
            let socket = scope.directory.appendingPathComponent("podman.sock").path
            podman = try scope.start("podman", URL(fileURLWithPath: "/usr/bin/podman"), ["system", "service", "--time=0", "unix://\(socket)"])
            try await poll(timeout: .seconds(30), "the podman socket") { FileManager.default.fileExists(atPath: socket) }
            engineArguments = ["--docker-socket", socket]
        }
        for version in ["v1", "v2", "v3"] {
            let workload: String
            switch engine {
            case .process:
                let www = scope.directory.appendingPathComponent("www/\(version)").path
                workload = """
                    version: \(version)
                    engine: process
                    command: ["/bin/sh", "-c", "exec /bin/busybox httpd -f -p 127.0.0.1:$PORT -h \(www)"]
                    """
            case .docker:
                workload = """
                    engine: docker
                    image: localhost/drover-test/web:\(version)
                    """
            }
            let spec = testServiceSpec(
                name: service.name, workload: workload, publicPort: service.publicPort, startPeriod: startPeriod,
                update: """
                      max_parallel: 1
                      min_healthy_time: \(minHealthyTime)
                    """)
            try spec.write(toFile: service.specPath(version), atomically: true, encoding: .utf8)
        }

        try await fleet.startController(heartbeatInterval: "1s")
        let token = try await fleet.createToken(uses: 3)
        for (index, address) in RolloutTests.addresses.enumerated() {
            let extra = engineArguments + ["--proxy-address", address, "--label", "role=web", "--revert-after", "0"]
            service.agentArguments.append(extra)
            service.agents.append(try fleet.startAgent(
                "agent-\(index)", address: address, token: token, pin: fleet.caPin, extra: extra))
        }
        try await service.waitForAgents()
        try await body(fleet, service)
    }
}

extension RolloutService {
    /// Polls until every agent is ready and records the hosts' ids.
    func waitForAgents() async throws {
        for index in RolloutTests.addresses.indices {
            try await pollAsync(timeout: .seconds(30), "agent-\(index) ready") {
                try await fleet.liveHost(named: "agent-\(index)")?["state"] as? String == "ready"
            }
            hostIDs.append(try fleet.host(named: "agent-\(index)")?.id ?? "")
        }
    }
}

/// A service spec for the integration fleet: `workload` (engine, command or image, version),
/// container port 8080, hosts labelled role=web, an HTTP health check on /health every
/// 250 ms, `update` (indented fields) after the shared deadlines, stop_grace 2s.
func testServiceSpec(name: String, workload: String, publicPort: Int, startPeriod: String = "0s", update: String) -> String {
    """
    name: \(name)
    \(workload)
    ports:
      container: 8080
      public: \(publicPort)
    hosts:
      labels:
        role: web
    health:
      http:
        path: /health
        status: 200
      interval: 250ms
      timeout: 200ms
      healthy_threshold: 2
      unhealthy_threshold: 2
      start_period: \(startPeriod)
    update:
      healthy_deadline: 30s
      progress_deadline: 2m
      drain_timeout: 2s
    \(update)
    stop_grace: 2s
    """
}

/// A port for a service the fleet's agents listen on: free on 127.0.0.1 and on every agent
/// address, and below the kernel's ephemeral range (32768–60999 by default), so no outgoing
/// connection (an agent's, bound to its own address) can take it between this check and the
/// service's start. A port from `bind(:0)` is ephemeral, free only on the address it was
/// asked for, and was once taken by an agent's controller connection on 127.0.0.4.
func freeLoopbackPort() throws -> Int {
    let rangeText = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
    let ephemeralStart = rangeText?.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
    let range = 20_000..<max(ephemeralStart, 20_001)
    for _ in 0..<200 {
        let port = Int.random(in: range)
        if (["127.0.0.1"] + RolloutTests.addresses).allSatisfy({ canBind(address: $0, port: port) }) { return port }
    }
    throw PollTimeout(what: "a port free on every fleet address below \(ephemeralStart)")
}

/// Whether a TCP listener could bind `address:port` now.
private func canBind(address: String, port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var socketAddress = sockaddr_in()
    socketAddress.sin_family = sa_family_t(AF_INET)
    socketAddress.sin_addr.s_addr = inet_addr(address)
    socketAddress.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &socketAddress) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

/// Runs a shell command to its end.
@discardableResult
func runShell(_ command: String) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
