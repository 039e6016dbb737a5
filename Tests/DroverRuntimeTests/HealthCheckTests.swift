import FoundationEssentials
import Testing

@testable import DroverRuntime

/// HTTP and TCP checks against real servers: busybox httpd as a child process, a silent listener, a closed port.
@Suite struct HealthCheckTests {
    @Test func httpCheckComparesTheStatus() async throws {
        try await withHealthServer { _, _, port in
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
        // The listener never answers: only the timeout ends the check. The bound is loose on
        // purpose (a loaded CI machine can stall a process for seconds).
        #expect(elapsed < .seconds(30))
        // TCP only asks for the connection, which the kernel completes for a listening socket.
        #expect(await TCPHealthCheck(port: listener.port).run(timeout: .seconds(1)) == .passed)
    }

    @Test func checksFailOnAClosedPort() async throws {
        let port = try freePort()
        #expect(!(await HTTPHealthCheck(port: port).run(timeout: .seconds(1)).passed))
        #expect(!(await TCPHealthCheck(port: port).run(timeout: .seconds(1)).passed))
    }
}

@Suite struct HealthMonitorTests {
    private struct Done: Error {}

    @Test func reportsHealthyThenUnhealthyWhenTheServerStops() async throws {
        try await withHealthServer { engine, id, port in
            let policy = HealthCheckPolicy(interval: .milliseconds(50), timeout: .seconds(1), startPeriod: .seconds(10))
            let monitor = HealthMonitor(check: HTTPHealthCheck(port: port), policy: policy)
            var changes: [HealthTracker.Status] = []
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    throw PollTimeout(what: "healthy, then unhealthy")
                }
                // Once healthy, stopping the server makes it unhealthy: the start period no longer applies.
                do {
                    try await monitor.run { status, _ in
                        changes.append(status)
                        if status == .healthy { try await engine.stop(id, grace: .seconds(5)) }
                        if status == .unhealthy { throw Done() }
                    }
                } catch is Done {
                    group.cancelAll()
                }
            }
            #expect(changes == [.healthy, .unhealthy])
        }
    }

    @Test func returnsWhenCancelled() async throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        let monitor = HealthMonitor(
            check: TCPHealthCheck(port: listener.port), policy: HealthCheckPolicy(interval: .milliseconds(20)))
        let (changes, continuation) = AsyncStream.makeStream(of: HealthTracker.Status.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await monitor.run { status, _ in continuation.yield(status) } }
            var iterator = changes.makeAsyncIterator()
            #expect(await iterator.next() == .healthy)
            // Cancelled while probing healthy forever: run returns, so waitForAll does too.
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}
