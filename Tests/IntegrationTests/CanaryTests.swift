import DroverStore
import DroverTestSupport
import Foundation
import Testing

/// Canary and blue-green rollouts end to end: a real controller, three real agents on
/// 127.0.0.2–4 running busybox httpd (the process engine) behind their routers — the embedded
/// proxy, or a real HAProxy per host driven through its runtime API — the operator CLI, and
/// real traffic measured through every host.
@Suite("Canary and blue-green rollouts end to end", .serialized)
struct CanaryTests {
    @Test(
        "canary: measured share within ±2 points of the weight over 10,000 requests, sticky clients, a manual percent in effect on 3 agents within a second, promote with no failed request",
        arguments: [CanaryFleet.Router.embedded, .haproxy])
    func canaryShareStickinessPercentAndPromote(router: CanaryFleet.Router) async throws {
        try await withCanaryFleet(router: router) { fleet, service in
            let v1 = try await fleet.deploy("v1")
            #expect(v1.status == 0, "\(v1.transcript)")
            try await service.expectServing("v1")
            let started = try await fleet.json(["deploy", service.specPath("v2"), "--detach", "-o", "json"])
            let id = try #require(started["id"] as? String)
            #expect(started["strategy"] as? String == "canary")
            try await service.waitForLive(id, fleet: fleet)

            // 10,000 requests without a sticky key, spread over the three proxies: 20 % to v2.
            let share = try await service.measureShare(requests: 10_000, version: "v2")
            #expect(abs(share - 20) <= 2, "measured canary share \(share) % for a weight of 20 %")

            // Sticky clients (X-User header): each keeps its version across requests — on every
            // host with the embedded proxy (the same hash everywhere), on its host with HAProxy
            // (haproxy.cfg: balance hdr(X-User), hash-type consistent).
            let address = router == .haproxy ? CanaryFleet.addresses[0] : nil
            var before: [String: String] = [:]
            for user in (0..<40).map({ "user-\($0)" }) {
                let versions = try await service.versions(of: user, requests: 5, address: address)
                #expect(versions.count == 1, "\(user) saw \(versions)")
                before[user] = versions.first
            }
            #expect(before.values.contains("v2") && before.values.contains("v1"), "\(before)")

            // A manual percentage: in effect on all three agents within a second.
            let clock = ContinuousClock()
            let start = clock.now
            let held = try await fleet.cli(["canary", service.name, "--percent", "50"])
            let elapsed = clock.now - start
            #expect(held.status == 0, "\(held.transcript)")
            #expect(held.stdout.contains("at 50% of the traffic on 3 hosts, held"), "\(held.stdout)")
            #expect(elapsed < .seconds(1), "the weight took \(elapsed) to be in effect on every agent")
            let detail = try await fleet.json(["rollout", "status", id, "-o", "json"])
            #expect((detail["summary"] as? [String: Any])?["phase"] as? String == "holding")
            let steps = detail["steps"] as? [[String: Any]] ?? []
            #expect(steps.last?["manual"] as? Bool == true && steps.last?["weight_bp"] as? Int == 5_000)
            let heldShare = try await service.measureShare(requests: 3_000, version: "v2")
            #expect(abs(heldShare - 50) <= 4, "measured canary share \(heldShare) % for a held weight of 50 %")
            // Clients on the canary at 20 % stay on it at 50 % (their bucket is still the canary's).
            for (user, version) in before where version == "v2" {
                let now = try await service.versions(of: user, requests: 3, address: address)
                #expect(now == ["v2"], "\(user) left the canary")
            }

            // Promote under load: no failed request.
            let load = service.startLoad()
            let promoted = try await fleet.cli(["canary", service.name, "promote"], timeout: .seconds(180))
            #expect(promoted.status == 0, "\(promoted.transcript)")
            #expect(promoted.stdout.contains("succeeded"))
            let (succeeded, failures) = await load.finish()
            #expect(failures.isEmpty, "failed requests: \(failures.prefix(10))")
            #expect(succeeded > 100)
            try await service.expectServing("v2")
            let status = try await fleet.cli(["rollout", "status", id])
            #expect(status.stdout.contains("Steps:") && status.stdout.contains("MEASURED SHARE"), "\(status.stdout)")
        }
    }

    @Test(
        "a canary answering 5 % errors is rolled back by analysis, and every host ends on stable",
        arguments: [CanaryFleet.Router.embedded, .haproxy])
    func failingCanaryIsRolledBack(router: CanaryFleet.Router) async throws {
        try await withCanaryFleet(router: router) { fleet, service in
            let v1 = try await fleet.deploy("v1")
            #expect(v1.status == 0, "\(v1.transcript)")
            let load = service.startLoad(path: "/cgi-bin/version")
            let deploy = try await fleet.deploy("v3")
            _ = await load.finish()
            #expect(deploy.status == 5, "a rolled-back deploy exits 5: \(deploy.transcript)")
            #expect(deploy.stdout.contains("ROLLED BACK") && deploy.stdout.contains("analysis"), "\(deploy.stdout)")
            try await service.expectServing("v1")
            for address in CanaryFleet.addresses {
                for _ in 0..<20 {
                    let answer = await httpGet(host: address, port: service.publicPort, "/cgi-bin/version")
                    #expect(answer?.body.trimmingSuffixNewlines == "v1", "\(address) answered \(String(describing: answer))")
                }
            }
        }
    }

    @Test("a canary with no traffic stays inconclusive and is not promoted; abort brings stable back")
    func canaryWithoutTrafficIsNotPromoted() async throws {
        try await withCanaryFleet(pause: "2s") { fleet, service in
            let v1 = try await fleet.deploy("v1")
            #expect(v1.status == 0, "\(v1.transcript)")
            let started = try await fleet.json(["deploy", service.specPath("v2"), "--detach", "-o", "json"])
            let id = try #require(started["id"] as? String)
            try await pollAsync(timeout: .seconds(60), "the canary paused as inconclusive") {
                let detail = try await fleet.json(["rollout", "status", id, "-o", "json"])
                return (detail["summary"] as? [String: Any])?["phase"] as? String == "paused"
            }
            let detail = try await fleet.json(["rollout", "status", id, "-o", "json"])
            let analyses = (detail["steps"] as? [[String: Any]])?.first?["analyses"] as? [[String: Any]] ?? []
            #expect(!analyses.isEmpty && analyses.allSatisfy { $0["verdict"] as? String == "inconclusive" }, "\(analyses)")
            let hosts = detail["hosts"] as? [[String: Any]] ?? []
            #expect(hosts.allSatisfy { $0["status"] as? String == "live" }, "nothing promoted: \(hosts)")
            // What a person reads: the rollout list with the weight, the status with what to do next.
            let list = try await fleet.cli(["rollouts"])
            #expect(list.stdout.contains("v1 → v2 (canary 20%)"), "\(list.stdout)")
            let status = try await fleet.cli(["rollout", "status", id])
            #expect(
                status.stdout.contains("paused: step 1, weight 20%")
                    && status.stdout.contains("waiting for you: drover canary \(service.name) --percent N | promote | abort"),
                "\(status.stdout)")
            let aborted = try await fleet.cli(["canary", service.name, "abort"], timeout: .seconds(120))
            #expect(aborted.status == 5 && aborted.stdout.contains("ROLLED BACK"), "\(aborted.transcript)")
            try await service.expectServing("v1")
        }
    }

    @Test(
        "blue-green: the new set starts beside the old, all traffic switches at once, no failed request",
        arguments: [CanaryFleet.Router.embedded, .haproxy])
    func blueGreenSwitchWithoutFailures(router: CanaryFleet.Router) async throws {
        try await withCanaryFleet(strategy: "blue-green", router: router) { fleet, service in
            let v1 = try await fleet.deploy("v1")
            #expect(v1.status == 0, "\(v1.transcript)")
            let load = service.startLoad()
            let deploy = try await fleet.deploy("v2")
            let (succeeded, failures) = await load.finish()
            #expect(deploy.status == 0, "\(deploy.transcript)")
            #expect(deploy.stdout.contains("switch: all traffic to v2"), "\(deploy.stdout)")
            #expect(failures.isEmpty, "failed requests: \(failures.prefix(10))")
            #expect(succeeded > 100)
            try await service.expectServing("v2")
        }
    }
}

// MARK: - Harness

enum CanaryFleet {
    static let addresses = RolloutTests.addresses

    /// Which router the agents drive.
    enum Router: Sendable, CustomStringConvertible {
        /// The agent's own service proxy.
        case embedded
        /// A real HAProxy per host (Debian's), through its runtime API.
        case haproxy

        var description: String { self == .embedded ? "embedded proxy" : "HAProxy" }
    }

    /// Starts HAProxy for the agent on `address`: a frontend on `address:port`, an empty
    /// backend named after the service, the admin socket in the scope's directory; returns the socket's path.
    static func startHAProxy(index: Int, address: String, port: Int, backend: String, scope: ProcessScope) async throws -> String {
        let candidates = ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"]
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw PollTimeout(what: "haproxy (not installed: run scripts/test, which installs Debian's haproxy)")
        }
        let socket = scope.directory.appendingPathComponent("haproxy-\(index).sock").path
        let config = scope.directory.appendingPathComponent("haproxy-\(index).cfg").path
        try """
            global
                stats socket \(socket) mode 600 level admin
                maxconn 2000
            defaults
                mode http
                timeout connect 2s
                timeout client 30s
                timeout server 30s
            frontend \(backend)
                bind \(address):\(port)
                default_backend \(backend)
            backend \(backend)
                # Sticky by the X-User header (consistent hashing keeps a client on its server
                # while weights change); requests without it go round-robin by weight.
                balance hdr(X-User)
                hash-type consistent

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try scope.start("haproxy-\(index)", URL(fileURLWithPath: executable), ["-db", "-f", config])
        try await poll(timeout: .seconds(10), "haproxy-\(index) listening on its socket") {
            guard process.isRunning else { throw PollTimeout(what: "haproxy-\(index) (it exited)\n\(process.transcript)") }
            return FileManager.default.fileExists(atPath: socket)
        }
        return socket
    }
}

extension RolloutService {
    /// Polls until every host of rollout `id` runs the canary.
    func waitForLive(_ id: String, fleet: Fleet) async throws {
        try await pollAsync(timeout: .seconds(60), "the canary live on every host") {
            let detail = try await fleet.json(["rollout", "status", id, "-o", "json"])
            let hosts = detail["hosts"] as? [[String: Any]] ?? []
            return hosts.count == 3 && hosts.allSatisfy { $0["status"] as? String == "live" }
        }
    }

    /// The percentage of `requests` (spread over the three proxies, no sticky key) `version` answered.
    func measureShare(requests: Int, version: String) async throws -> Double {
        let perProxy = requests / CanaryFleet.addresses.count
        var hits = 0
        var total = 0
        for address in CanaryFleet.addresses {
            try await withHTTPClient(host: address, port: publicPort) { client in
                for _ in 0..<perProxy {
                    let answer = try await client.get("/version")
                    guard answer.status == 200 else { throw PollTimeout(what: "a 200, got \(answer.status)") }
                    total += 1
                    if answer.body.trimmingSuffixNewlines == version { hits += 1 }
                }
            }
        }
        return Double(hits) * 100 / Double(max(1, total))
    }

    /// The versions a sticky client (`X-User: user`) saw over `requests` requests on new
    /// connections, through every proxy in turn (or only the one on `address`).
    func versions(of user: String, requests: Int, address: String? = nil) async throws -> Set<String> {
        var seen = Set<String>()
        for index in 0..<requests {
            let address = address ?? CanaryFleet.addresses[index % CanaryFleet.addresses.count]
            let answer = try await withHTTPClient(host: address, port: publicPort) { client in
                try await client.get("/version", close: true, extraHeaders: [("X-User", user)])
            }
            seen.insert(answer.body.trimmingSuffixNewlines)
        }
        return seen
    }

    /// Load on `path` through every proxy until ``RolloutLoad/finish()``.
    func startLoad(path: String) -> RolloutLoad {
        RolloutLoad(generators: CanaryFleet.addresses.map { LoadGenerator(host: $0, port: publicPort, path: path) })
    }
}

/// A controller, three agents on 127.0.0.2–4 with the process engine, and spec files for a
/// uniquely named service: v1 and v2 healthy, v3 answering 5 % of `/cgi-bin/version` with 500.
/// Every version after the first deploys with `strategy` (canary: one step at 20 %, sticky by
/// the `X-User` header, judged every second).
func withCanaryFleet(
    strategy: String = "canary", pause: String = "manual", router: CanaryFleet.Router = .embedded,
    _ body: (Fleet, RolloutService) async throws -> Void
) async throws {
    try await withProcessScope { scope in
        let fleet = Fleet(scope: scope)
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let service = RolloutService(
            name: "canary-\(suffix)", engine: .process, publicPort: try freeLoopbackPort(), directory: scope.directory,
            fleet: fleet)
        fleet.currentService = service
        defer { _ = try? runShell("pkill -KILL -f '\(scope.directory.path)/www' || true") }
        for version in ["v1", "v2", "v3"] {
            let www = scope.directory.appendingPathComponent("www/\(version)")
            let cgi = www.appendingPathComponent("cgi-bin")
            try FileManager.default.createDirectory(at: cgi, withIntermediateDirectories: true)
            try "\(version)\n".write(to: www.appendingPathComponent("version"), atomically: true, encoding: .utf8)
            try "ok\n".write(to: www.appendingPathComponent("health"), atomically: true, encoding: .utf8)
            // v3 fails one request in 20 with a 500 (random), the others never.
            let failing =
                version == "v3"
                ? #"n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' '); if [ $((n % 20)) -eq 0 ]; then printf 'Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nboom\n'; exit 0; fi"#
                : ""
            let script = "#!/bin/sh\n\(failing)\nprintf 'Content-Type: text/plain\\r\\n\\r\\n\(version)\\n'\n"
            let path = cgi.appendingPathComponent("version").path
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        for version in ["v1", "v2", "v3"] {
            let www = scope.directory.appendingPathComponent("www/\(version)").path
            let update: String
            switch strategy {
            case "blue-green":
                update = """
                      strategy: blue-green
                      blue_green: {verify: 2s, auto_switch: true, keep_old: 2s}
                      analysis: {interval: 1s, min_requests: 20}
                    """
            default:
                update = """
                      strategy: canary
                      canary:
                        steps:
                          - {weight: 20, pause: \(version == "v3" ? "1m" : pause)}
                        auto_promote: false
                        stickiness: {header: X-User}
                      analysis: {interval: 1s, min_requests: 20, max_error_rate: 1%}
                    """
            }
            let spec = testServiceSpec(
                name: service.name,
                workload: """
                    version: \(version)
                    engine: process
                    command: ["/bin/sh", "-c", "exec /bin/busybox httpd -f -p 127.0.0.1:$PORT -h \(www)"]
                    """, publicPort: service.publicPort,
                update: """
                      max_parallel: 3
                      min_healthy_time: 1s
                    \(update)
                    """)
            try spec.write(toFile: service.specPath(version), atomically: true, encoding: .utf8)
        }

        try await fleet.startController(heartbeatInterval: "1s")
        let token = try await fleet.createToken(uses: 3)
        for (index, address) in CanaryFleet.addresses.enumerated() {
            // Agents report every 0.5 s (Fleet's default): the analysis reads the traffic counters they carry.
            var extra = ["--process-engine", "--label", "role=web", "--revert-after", "0"]
            switch router {
            case .embedded:
                extra += ["--proxy-address", address]
            case .haproxy:
                let socket = try await CanaryFleet.startHAProxy(
                    index: index, address: address, port: service.publicPort, backend: service.name, scope: scope)
                extra += ["--router", "haproxy", "--haproxy-socket", socket]
            }
            service.agentArguments.append(extra)
            service.agents.append(
                try fleet.startAgent("agent-\(index)", address: address, token: token, pin: fleet.caPin, extra: extra))
        }
        try await service.waitForAgents()
        try await body(fleet, service)
    }
}
