import FoundationEssentials
import Testing

@testable import DroverRuntime

/// HTTP and TCP checks against real servers: busybox httpd as a child process, a silent listener, a closed port.
@Suite struct HealthCheckTests {
    /// Runs busybox httpd serving `/health` on a free port.
    private func withHTTPServer(_ body: (Int) async throws -> Void) async throws {
        try await withProcessEngine { engine, directory in
            try FileManager.default.createDirectory(atPath: directory.file("www"), withIntermediateDirectories: true)
            try directory.write("www/health", "ok")
            let port = try freePort()
            let id = try await engine.create(
                processSpec(
                    "httpd-\(uniqueSuffix())", port: port,
                    command: [busybox, "httpd", "-f", "-p", "127.0.0.1:\(port)", "-h", directory.file("www")]))
            try await engine.start(id)
            try await poll("httpd to answer") { await httpGet(port: port, "/health")?.status == 200 }
            try await body(port)
        }
    }

    @Test func httpCheckComparesTheStatus() async throws {
        try await withHTTPServer { port in
            #expect(await HTTPHealthCheck(port: port, path: "/health").run(timeout: .seconds(2)) == .passed)
            #expect(await HTTPHealthCheck(port: port, path: "health").run(timeout: .seconds(2)) == .passed)
            let missing = await HTTPHealthCheck(port: port, path: "/missing").run(timeout: .seconds(2))
            #expect(missing == .failed("GET /missing: status 404, expected 200"))
            let expected404 = HTTPHealthCheck(port: port, path: "/missing", expectedStatus: 404)
            #expect(await expected404.run(timeout: .seconds(2)) == .passed)
            #expect(await TCPHealthCheck(port: port).run(timeout: .seconds(2)) == .passed)
        }
    }

    @Test func httpCheckFailsWhenTheServerIsSilentPastTheTimeout() async throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        let started = ContinuousClock.now
        let result = await HTTPHealthCheck(port: listener.port).run(timeout: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        #expect(!result.passed)
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(2))
        // TCP only asks for the connection, which the kernel completes for a listening socket.
        #expect(await TCPHealthCheck(port: listener.port).run(timeout: .seconds(1)) == .passed)
    }

    @Test func checksFailOnAClosedPort() async throws {
        let port = try freePort()
        #expect(!(await HTTPHealthCheck(port: port).run(timeout: .seconds(1)).passed))
        #expect(!(await TCPHealthCheck(port: port).run(timeout: .seconds(1)).passed))
    }
}
