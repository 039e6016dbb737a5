import Testing

@testable import DroverRuntime

/// DockerEngine against a real Podman service and the local test images (scripts/podman-setup).
///
/// Serialized: each test starts its own service, and two cores are shared with other builds.
@Suite(.serialized) struct DockerEngineTests {
    @Test func unreachableSocketIsAClearError() async {
        let engine = DockerEngine(socketPath: "/nonexistent/drover/podman.sock")
        await #expect {
            try await engine.ping()
        } throws: { error in
            guard case ContainerEngineError.engineUnreachable(let message) = error else { return false }
            return message.contains("/nonexistent/drover/podman.sock")
        }
    }

    @Test func imagePresenceAndPullErrors() async throws {
        try await withPodman { podman in
            let engine = podman.engine
            #expect(try await engine.hasImage(TestImage.v1))
            #expect(try await !engine.hasImage("localhost/drover-test/web:absent"))
            try await engine.ensureImage(TestImage.v1)  // present: no pull

            // A registry on a loopback port where nothing listens: the pull fails with the engine's reason.
            let port = try freePort()
            let missing = "127.0.0.1:\(port)/drover-test/missing:v1"
            await #expect {
                try await engine.ensureImage(missing)
            } throws: { error in
                guard case ContainerEngineError.pullFailed(let image, let message) = error else { return false }
                return image == missing && message.contains("connection refused")
            }

            // Creating from an absent image says so.
            let spec = podman.spec("absent-\(uniqueSuffix())", image: "localhost/drover-test/web:absent", version: "v0", hostPort: port)
            await #expect {
                _ = try await engine.create(spec)
            } throws: { error in
                guard case ContainerEngineError.noSuchImage(let message) = error else { return false }
                return message.contains("localhost/drover-test/web:absent")
            }
        }
    }

    @Test func v1LifecyclePublishesThePortPassesHealthChecksAndStopsGracefully() async throws {
        try await withPodman { podman in
            let engine = podman.engine
            let port = try freePort()
            let spec = podman.spec("web-v1-\(uniqueSuffix())", image: TestImage.v1, version: "v1", hostPort: port)
            let id = try await engine.create(spec)
            var status = try await engine.inspect(id)
            #expect(status.state == .created)
            #expect(status.name == spec.name)
            #expect(status.hostPort == port)
            #expect(status.labels["drover.service"] == "web")
            #expect(status.labels["drover.version"] == "v1")
            #expect(status.labels["drover.instance"] == spec.name)
            await #expect {
                _ = try await engine.create(spec)
            } throws: { error in
                if case ContainerEngineError.conflict = error { return true }
                return false
            }

            try await engine.start(id)
            try await poll("v1 to answer /version on \(port)") { await httpGet(port: port, "/version")?.body == "v1" }
            status = try await engine.inspect(id)
            #expect(status.state == .running)
            #expect(status.hostPort == port)
            // Only on loopback: the binding's host address is 127.0.0.1.
            #expect(await httpGet(port: port, "/health")?.status == 200)

            let policy = HealthCheckPolicy(interval: .milliseconds(100), timeout: .seconds(2))
            let checks: [any HealthCheck] = [
                HTTPHealthCheck(port: port, path: "/health"),
                TCPHealthCheck(port: port),
                ExecHealthCheck(
                    engine: engine, instance: id,
                    command: ["/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]),
            ]
            for check in checks {
                #expect(try await trackUntilDecided(check, policy: policy) == .healthy, "\(check)")
            }
            #expect(try await engine.execute(id, command: ["/bin/sh", "-c", "exit 5"], timeout: .seconds(5)) == 5)
            let execStarted = ContinuousClock.now
            await #expect {
                _ = try await engine.execute(id, command: ["/bin/busybox", "sleep", "30"], timeout: .milliseconds(300))
            } throws: { error in
                if case ContainerEngineError.timedOut = error { return true }
                return false
            }
            #expect(ContinuousClock.now - execStarted < .seconds(20))  // the command alone takes 30 s

            // The image's entrypoint traps SIGTERM: the stop ends before the grace period.
            let stopStarted = ContinuousClock.now
            try await engine.stop(id, grace: .seconds(20))
            #expect(ContinuousClock.now - stopStarted < .seconds(20))
            status = try await engine.inspect(id)
            #expect(status.state == .exited(code: 0))
            #expect(status.hostPort == port)  // still known from the configured binding
            #expect(await httpGet(port: port, "/version") == nil)
            try await engine.stop(id, grace: .seconds(1))  // already stopped: no error

            try await engine.remove(id)
            await #expect {
                _ = try await engine.inspect(id)
            } throws: { error in
                if case ContainerEngineError.noSuchInstance = error { return true }
                return false
            }
        }
    }

    @Test func v3FailsItsHealthChecks() async throws {
        try await withPodman { podman in
            let engine = podman.engine
            let port = try freePort()
            let id = try await engine.create(
                podman.spec("web-v3-\(uniqueSuffix())", image: TestImage.v3, version: "v3", hostPort: port))
            try await engine.start(id)
            try await poll("v3 to answer /version") { await httpGet(port: port, "/version")?.body == "v3" }

            let policy = HealthCheckPolicy(interval: .milliseconds(100), timeout: .seconds(2))
            let http = HTTPHealthCheck(port: port, path: "/health")
            #expect(await http.run(timeout: .seconds(2)) == .failed("GET /health: status 404, expected 200"))
            #expect(try await trackUntilDecided(http, policy: policy) == .unhealthy)
            let exec = ExecHealthCheck(
                engine: engine, instance: id,
                command: ["/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"])
            #expect(try await trackUntilDecided(exec, policy: policy) == .unhealthy)

            try await engine.stop(id, grace: .seconds(10))
            try await engine.remove(id)
        }
    }

    @Test func listFindsDroversContainersByLabelAfterARestart() async throws {
        try await withPodman { podman in
            let suffix = uniqueSuffix()
            let service = "list-\(suffix)"
            var ids: [InstanceID] = []
            for (version, image) in [("v1", TestImage.v1), ("v2", TestImage.v2)] {
                let spec = podman.spec(
                    "\(service)-\(version)", image: image, version: version, service: service, hostPort: try freePort())
                ids.append(try await podman.engine.create(spec))
            }
            try await podman.engine.start(ids[1])

            // A new engine value stands for the agent after a restart: only the labels remain.
            let restarted = DockerEngine(socketPath: podman.engine.socketPath)
            let found = try await restarted.list(labels: ["drover.service": service])
            #expect(found.map(\.name) == ["\(service)-v1", "\(service)-v2"])
            #expect(found.map(\.id) == ids)
            #expect(found.map(\.state) == [.created, .running])
            let v2 = try await restarted.list(labels: ["drover.service": service, "drover.version": "v2"])
            #expect(v2.map(\.id) == [ids[1]])
            #expect(try await restarted.list(labels: ["drover.service": "\(service)-none"]).isEmpty)

            try await restarted.stop(ids[1], grace: .seconds(10))
            for id in ids { try await restarted.remove(id) }
            #expect(try await restarted.list(labels: ["drover.service": service]).isEmpty)
        }
    }
}

/// Probes `check` on `policy`'s interval until the tracker decides; throws after 30 probes.
func trackUntilDecided(_ check: any HealthCheck, policy: HealthCheckPolicy) async throws -> HealthTracker.Status {
    var tracker = HealthTracker(policy: policy, startedAt: .now)
    for _ in 0..<30 {
        if let decided = tracker.record(await check.run(timeout: policy.timeout), at: .now) { return decided }
        try await Task.sleep(for: policy.interval)
    }
    throw PollTimeout(what: "a health decision from \(check)")
}
