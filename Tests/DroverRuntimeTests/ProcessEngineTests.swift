import FoundationEssentials
import Testing

@testable import DroverRuntime

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ProcessEngineTests {
    @Test func lifecycleOfAnHTTPServerChild() async throws {
        try await withProcessEngine { engine, directory in
            try FileManager.default.createDirectory(atPath: directory.file("www"), withIntermediateDirectories: true)
            try directory.write("www/version", "p1")
            let port = try freePort()
            let spec = processSpec(
                "web-\(uniqueSuffix())", port: port,
                command: [
                    busybox, "sh", "-c",
                    "echo listening on $PORT; exec \(busybox) httpd -f -p 127.0.0.1:$PORT -h \(directory.file("www"))",
                ])
            let id = try await engine.create(spec)
            #expect(id.rawValue == spec.name)
            var status = try await engine.inspect(id)
            #expect(status.state == .created)
            #expect(status.hostPort == port)
            #expect(status.labels["drover.service"] == "web")
            await #expect(throws: ContainerEngineError.conflict("instance \(spec.name) already exists")) {
                try await engine.create(spec)
            }

            try await engine.start(id)
            try await poll("the child to answer /version") { await httpGet(port: port, "/version")?.body == "p1" }
            status = try await engine.inspect(id)
            #expect(status.state == .running)
            #expect(FileManager.default.fileExists(atPath: engine.logPath(id)))
            let log = String(decoding: FileManager.default.contents(atPath: engine.logPath(id)) ?? Data(), as: UTF8.self)
            #expect(log.contains("listening on \(port)"))
            await #expect(throws: ContainerEngineError.self) { try await engine.remove(id) }  // still running

            // Its own session: the process is the leader of a new group and session.
            let record = try JSONDecoder().decode(
                ProcessRecord.self, from: Data(contentsOf: URL(fileURLWithPath: directory.file("state/\(id).json"))))
            let pid = try #require(record.pid)
            #expect(ChildProcess.stat(pid)?.processGroup == pid)
            #expect(getsid(pid) == pid)

            // httpd dies on SIGTERM at once: before the grace period (exit code below says SIGTERM).
            let stopStarted = ContinuousClock.now
            try await engine.stop(id, grace: .seconds(10))
            #expect(ContinuousClock.now - stopStarted < .seconds(10))
            status = try await engine.inspect(id)
            #expect(status.state == .exited(code: 128 + SIGTERM))
            #expect(await httpGet(port: port, "/version") == nil)
            try await engine.stop(id, grace: .seconds(1))  // stopping a stopped instance is a no-op

            try await engine.remove(id)
            await #expect(throws: ContainerEngineError.noSuchInstance(id.rawValue)) { try await engine.inspect(id) }
            #expect(!FileManager.default.fileExists(atPath: engine.logPath(id)))
        }
    }

    @Test func stopWaitsTheGracePeriodThenKillsTheWholeGroup() async throws {
        try await withProcessEngine { engine, _ in
            // The shell ignores SIGTERM, and so does its `sleep` child (ignored signals survive exec).
            let spec = processSpec(
                "stubborn-\(uniqueSuffix())",
                command: [busybox, "sh", "-c", "trap '' TERM; echo ready; while :; do \(busybox) sleep 1; done"])
            let id = try await engine.create(spec)
            try await engine.start(id)
            try await poll("the trap to be installed") {
                FileManager.default.contents(atPath: engine.logPath(id)).map { String(decoding: $0, as: UTF8.self) }?
                    .contains("ready") == true
            }
            let started = ContinuousClock.now
            try await engine.stop(id, grace: .milliseconds(500))
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(500))
            // The child ignores SIGTERM forever: only the SIGKILL after the grace period ends it
            // (a loose bound: a loaded CI machine can stall a process for seconds).
            #expect(elapsed < .seconds(30))
            #expect(try await engine.inspect(id).state == .exited(code: 128 + SIGKILL))
        }
    }

    @Test func aRestartedEngineFindsItsInstancesByLabel() async throws {
        try await withProcessEngine { engine, directory in
            let suffix = uniqueSuffix()
            let sleeper = [busybox, "sleep", "60"]
            for (name, service, version) in [("api-a", "api", "v1"), ("api-b", "api", "v2"), ("db-a", "db", "v1")] {
                let id = try await engine.create(
                    processSpec("\(name)-\(suffix)", service: service, version: version, command: sleeper))
                try await engine.start(id)
            }

            // A new engine value on the same directory stands for the agent after a restart.
            let restarted = try ProcessEngine(stateDirectory: engine.stateDirectory)
            let api = try await restarted.list(labels: ["drover.service": "api"])
            #expect(api.map(\.name) == ["api-a-\(suffix)", "api-b-\(suffix)"])
            #expect(api.allSatisfy { $0.state == .running })
            #expect(api.map { $0.labels["drover.version"] } == ["v1", "v2"])
            let v2 = try await restarted.list(labels: ["drover.service": "api", "drover.version": "v2"])
            #expect(v2.map(\.name) == ["api-b-\(suffix)"])
            #expect(try await restarted.list(labels: [:]).count == 3)
            #expect(try await restarted.list(labels: ["drover.service": "cache"]).isEmpty)

            try await restarted.stop(InstanceID("api-a-\(suffix)"), grace: .seconds(5))
            #expect(try await engine.inspect(InstanceID("api-a-\(suffix)")).state == .exited(code: 128 + SIGTERM))

            // A pid whose start time differs is another process (pid reuse): not our instance.
            let path = directory.file("state/db-a-\(suffix).json")
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            var record = try JSONDecoder().decode(ProcessRecord.self, from: original)
            record.startTime = (record.startTime ?? 0) + 1
            try JSONEncoder().encode(record).write(to: URL(fileURLWithPath: path))
            let reused = try await restarted.inspect(InstanceID("db-a-\(suffix)"))
            try original.write(to: URL(fileURLWithPath: path))  // restored, so the fixture stops the real process
            #expect(reused.state == .exited(code: nil))
            #expect(try await restarted.inspect(InstanceID("db-a-\(suffix)")).state == .running)
        }
    }

    @Test func exitCodeOfAChildThatEndsOnItsOwn() async throws {
        try await withProcessEngine { engine, _ in
            let id = try await engine.create(processSpec("short-\(uniqueSuffix())", command: [busybox, "sh", "-c", "exit 7"]))
            try await engine.start(id)
            try await poll("the child to exit") { try await engine.inspect(id).state != .running }
            #expect(try await engine.inspect(id).state == .exited(code: 7))
            try await engine.remove(id)
        }
    }

    @Test func executeRunsWithTheInstanceEnvironmentAndATimeout() async throws {
        try await withProcessEngine { engine, _ in
            let id = try await engine.create(
                processSpec("exec-\(uniqueSuffix())", port: 1234, command: [busybox, "sleep", "60"],
                    environment: ["GREETING": "hello"]))
            #expect(try await engine.execute(id, command: [busybox, "sh", "-c", "test \"$PORT:$GREETING\" = 1234:hello"], timeout: .seconds(5)) == 0)
            #expect(try await engine.execute(id, command: [busybox, "sh", "-c", "exit 3"], timeout: .seconds(5)) == 3)
            let started = ContinuousClock.now
            await #expect(throws: ContainerEngineError.self) {
                try await engine.execute(id, command: [busybox, "sleep", "30"], timeout: .milliseconds(200))
            }
            #expect(ContinuousClock.now - started < .seconds(20))  // the command alone takes 30 s
            await #expect(throws: ContainerEngineError.self) {
                try await engine.execute(id, command: ["/nonexistent/drover-check"], timeout: .seconds(1))
            }

            #expect(await ExecHealthCheck(engine: engine, instance: id, command: [busybox, "true"]).run(timeout: .seconds(2)) == .passed)
            let failed = await ExecHealthCheck(engine: engine, instance: id, command: [busybox, "false"]).run(timeout: .seconds(2))
            #expect(failed == .failed("\(busybox) false exited with 1"))
        }
    }

    @Test func imagesAreRefusedAndUnknownInstancesAreMissing() async throws {
        try await withProcessEngine { engine, _ in
            try await engine.ensureImage("anything")  // no images: nothing to do
            let spec = InstanceSpec(
                name: "img", service: "web", version: "v1", instance: "img", workload: .image("localhost/x:v1"))
            await #expect(throws: ContainerEngineError.self) { try await engine.create(spec) }
            await #expect(throws: ContainerEngineError.noSuchInstance("../escape")) {
                try await engine.inspect(InstanceID("../escape"))
            }
        }
    }
}
