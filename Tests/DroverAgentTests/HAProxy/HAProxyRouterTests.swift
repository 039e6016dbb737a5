import DroverAgent
import DroverProxy
import DroverTestSupport
import Foundation
import Testing

/// ``HAProxyRouter`` against a real HAProxy (see ``HAProxyFixture``) in front of
/// ``VersionBackend``s: measured shares, weight changes, drains, a swap under load,
/// statistics, and the errors an operator sees.
@Suite(.serialized) struct HAProxyRouterTests {
    /// Sends `count` requests on one keep-alive connection; answers per version.
    static func sample(port: Int, count: Int, path: String = "/") async throws -> [String: Int] {
        try await withHTTPClient(host: "127.0.0.1", port: port) { client in
            var answers: [String: Int] = [:]
            for _ in 0..<count {
                let response = try await client.get(path)
                answers[response.body, default: 0] += 1
            }
            return answers
        }
    }

    static func backend(_ server: VersionBackend, weight: Int, state: Backend.State = .active) -> Backend {
        Backend(
            id: "\(server.version)-\(server.port)", version: server.version, host: "127.0.0.1", port: server.port,
            weight: weight, state: state)
    }

    /// The Drover servers HAProxy has in the backend: name → weight.
    static func serverWeights(_ haproxy: HAProxyFixture) async throws -> [String: Int] {
        let answer = try await haproxy.client.send("show servers state \(haproxy.backend)")
        var weights: [String: Int] = [:]
        for line in answer.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight …
            guard fields.count > 7, fields[3].hasPrefix("drover.") else { continue }
            weights[String(fields[3])] = Int(fields[7])
        }
        return weights
    }

    @Test func weightsOf90And10GiveTheirSharesAndAChangeTakesEffect() async throws {
        try await HAProxyFixture.with { haproxy in
            try await withVersionBackends(["v1", "v2"]) { servers in
                let router = haproxy.router()
                try await router.update(
                    RoutingTable(backends: [
                        Self.backend(servers[0], weight: 9_000), Self.backend(servers[1], weight: 1_000),
                    ]))
                #expect(try await router.start() == haproxy.port)
                // 9,000:1,000 bp is 9:1 in HAProxy weights (reduced by their gcd, exact).
                #expect(try await Self.serverWeights(haproxy).values.sorted() == [1, 9])

                let first = try await Self.sample(port: haproxy.port, count: 2_000)
                #expect(first.values.reduce(0, +) == 2_000 && Set(first.keys) == ["v1", "v2"], "\(first)")
                let share10 = Double(first["v2", default: 0]) / 20
                print("HAProxy measured share at 90/10: v2 \(share10) % of 2,000 requests")
                #expect(abs(share10 - 10) <= 2, "v2 got \(share10) % at 1,000 bp")

                // 3,000:7,000 bp, then 2,000 more requests.
                try await router.update(
                    RoutingTable(backends: [
                        Self.backend(servers[0], weight: 3_000), Self.backend(servers[1], weight: 7_000),
                    ]))
                let second = try await Self.sample(port: haproxy.port, count: 2_000)
                let share70 = Double(second["v2", default: 0]) / 20
                print("HAProxy measured share at 30/70: v2 \(share70) % of 2,000 requests")
                #expect(abs(share70 - 70) <= 2, "v2 got \(share70) % at 7,000 bp")

                await router.close(timeout: .seconds(5))
                #expect(try await Self.serverWeights(haproxy).isEmpty, "close removes Drover's servers")
            }
        }
    }

    @Test func errorsNameTheMissingSocketBackendOrCommand() async throws {
        let missing = temporaryPath("no-haproxy") + "/admin.sock"
        let router = HAProxyRouter(
            configuration: HAProxyRouter.Configuration(socketPath: missing, backend: "web", publicPort: 8080))
        await #expect(throws: HAProxyError.socketMissing(path: missing)) { try await router.start() }
        #expect(HAProxyError.socketMissing(path: missing).description.contains("stats socket \(missing)"))

        try await HAProxyFixture.with { haproxy in
            let lost = haproxy.router(backend: "nosuch")
            await #expect(throws: HAProxyError.noSuchBackend("nosuch")) { try await lost.start() }
            await #expect(throws: HAProxyError.noSuchBackend("nosuch")) {
                try await lost.update(
                    RoutingTable(backends: [Backend(id: "a", version: "v1", host: "127.0.0.1", port: 9, weight: 1)]))
            }
            // A TCP service on an HTTP backend.
            let tcp = HAProxyRouter(
                configuration: HAProxyRouter.Configuration(
                    socketPath: haproxy.socketPath, backend: haproxy.backend, publicPort: haproxy.port, mode: .tcp))
            do {
                _ = try await tcp.start()
                Issue.record("a TCP service started on an HTTP backend")
            } catch let error as HAProxyError {
                #expect("\(error)".contains("is in mode http, the service needs mode tcp"), "\(error)")
            }
            let http = HAProxyRouter(
                configuration: HAProxyRouter.Configuration(
                    socketPath: haproxy.socketPath, backend: haproxy.backend, publicPort: haproxy.port, mode: .http))
            #expect(try await http.start() == haproxy.port)
            await #expect(throws: HAProxyError.unknownCommand(command: "frobnicate")) {
                try await haproxy.client.send("frobnicate")
            }
            await #expect(throws: HAProxyError.noSuchServer(command: "set server web/nosuch weight 1")) {
                try await haproxy.client.send("set server web/nosuch weight 1")
            }
            await #expect(throws: HAProxyError.invalidCommand("show info; show stat")) {
                try await haproxy.client.send("show info; show stat")
            }
            // A directory where the socket should be.
            await #expect(throws: HAProxyError.notASocket(path: haproxy.directory)) {
                try await HAProxyRuntimeClient(socketPath: haproxy.directory).send("show info")
            }
        }
        // A socket below `level admin`: reading works, changing servers is refused by name.
        try await HAProxyFixture.with(level: "operator") { haproxy in
            let router = haproxy.router()
            #expect(try await router.start() == haproxy.port)
            let backend = Backend(id: "a", version: "v1", host: "127.0.0.1", port: 9, weight: 1)
            do {
                try await router.update(RoutingTable(backends: [backend]))
                Issue.record("add server was accepted at level operator")
            } catch let error as HAProxyError {
                guard case .permissionDenied(let path, let detail) = error else {
                    Issue.record("expected permissionDenied, got \(error)")
                    return
                }
                #expect(path == haproxy.socketPath && detail.contains("level admin"), "\(error)")
            }
        }
    }

    @Test func theSampleConfigurationIsValid() throws {
        let haproxy = try HAProxyFixture.executable()
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("deploy/haproxy/drover.cfg")
        let text = try String(contentsOf: sample, encoding: .utf8)
        #expect(text.contains("stats socket /run/haproxy/admin.sock mode 660 level admin"))
        let check = Process()
        check.executableURL = URL(fileURLWithPath: haproxy)
        check.arguments = ["-c", "-q", "-f", sample.path]
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "haproxy -c rejects deploy/haproxy/drover.cfg")
    }
}
