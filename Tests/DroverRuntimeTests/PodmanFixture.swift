import FoundationEssentials

@testable import DroverRuntime

#if canImport(Glibc)
import Glibc
#endif

/// The local test images scripts/podman-setup builds.
enum TestImage {
    static let v1 = "localhost/drover-test/web:v1"
    static let v2 = "localhost/drover-test/web:v2"
    /// Serves /version but no /health, so its health check fails.
    static let v3 = "localhost/drover-test/web:v3"
}

/// A Podman API service on a temporary socket for one test.
///
/// `podman system service --time=0 unix://TMP/podman.sock` runs in its own process group;
/// ``withPodman(_:)`` waits for `/_ping`, and on every path force-removes the containers the
/// test created (they carry its `drover.test.run` label) and kills the service.
struct PodmanService {
    let engine: DockerEngine
    /// Add to every spec, so cleanup finds the test's containers.
    let runLabel: [String: String]

    /// A spec for one of the test images, publishing container port 8080 on `hostPort`.
    func spec(_ name: String, image: String, version: String, service: String = "web", hostPort: Int) -> InstanceSpec {
        InstanceSpec(
            name: name, service: service, version: version, instance: name, workload: .image(image),
            port: PortMapping(containerPort: 8080, hostPort: hostPort), extraLabels: runLabel)
    }
}

func withPodman(_ body: (PodmanService) async throws -> Void) async throws {
    let directory = try TemporaryDirectory("drover-podman")
    let socket = directory.file("podman.sock")
    // The test's own environment: rootless Podman needs HOME and XDG_RUNTIME_DIR as they are.
    let environment = ProcessInfo.processInfo.environment
    let pid = try ChildProcess.spawn(
        ["podman", "system", "service", "--time=0", "unix://\(socket)"], environment: environment,
        outputPath: directory.file("podman.log"), grouping: .newProcessGroup)
    let run = "run-\(uniqueSuffix())"
    let service = PodmanService(engine: DockerEngine(socketPath: socket), runLabel: ["drover.test.run": run])

    func cleanUp() async {
        // The service's own containers outlive it (conmon); remove them through the CLI.
        _ = try? await ChildProcess.run(
            ["sh", "-c", "podman ps -aq --filter label=drover.test.run=\(run) | xargs -r podman rm -f -t 0 >/dev/null"],
            environment: environment, timeout: .seconds(30))
        ChildProcess.signalGroup(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(5)
        while ChildProcess.reap(pid) == nil {
            if ContinuousClock.now >= deadline {
                ChildProcess.signalGroup(pid, SIGKILL)
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        directory.remove()
    }

    do {
        try await poll(timeout: .seconds(30), "podman service /_ping on \(socket)\n\(directory.read("podman.log"))") {
            (try? await service.engine.ping()) != nil
        }
        try await body(service)
    } catch {
        let log = directory.read("podman.log")
        await cleanUp()
        throw PodmanTestFailure(underlying: error, serviceLog: String(log.suffix(4000)))
    }
    await cleanUp()
}

/// A failed Podman test with the end of the service's log.
struct PodmanTestFailure: Error, CustomStringConvertible {
    let underlying: any Error
    let serviceLog: String
    var description: String { "\(underlying)\n--- podman service log ---\n\(serviceLog)" }
}
