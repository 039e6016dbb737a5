import DroverRuntime
import FoundationEssentials

/// Runs `body` with a ``ProcessEngine`` on a fresh state directory and, on every path,
/// kills every instance it left running and removes the directory.
func withProcessEngine(_ body: (ProcessEngine, TemporaryDirectory) async throws -> Void) async throws {
    let directory = try TemporaryDirectory("drover-proc")
    let engine = try ProcessEngine(stateDirectory: directory.file("state"))
    do {
        try await body(engine, directory)
    } catch {
        await killAll(engine)
        directory.remove()
        throw error
    }
    await killAll(engine)
    directory.remove()
}

private func killAll(_ engine: ProcessEngine) async {
    for instance in (try? await engine.list(labels: [:])) ?? [] where instance.isRunning {
        try? await engine.stop(instance.id, grace: .zero)
    }
}

/// busybox from busybox-static (scripts/podman-setup installs it).
let busybox = "/bin/busybox"

/// A spec running `command` as a process, listening on `port` if it serves one.
func processSpec(
    _ name: String, service: String = "web", version: String = "v1", port: Int? = nil, command: [String],
    environment: [String: String] = [:]
) -> InstanceSpec {
    InstanceSpec(
        name: name, service: service, version: version, instance: name, workload: .command(command),
        environment: environment, port: port.map { PortMapping(containerPort: $0, hostPort: $0) })
}

/// Runs busybox httpd serving `/health` (200) on a free loopback port as a process instance,
/// and waits until it answers.
func withHealthServer(_ body: (ProcessEngine, InstanceID, Int) async throws -> Void) async throws {
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
        try await body(engine, id, port)
    }
}
