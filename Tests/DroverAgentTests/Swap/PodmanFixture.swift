import Foundation

@testable import DroverRuntime

#if canImport(Glibc)
import Glibc
#endif

// A copy of Tests/DroverRuntimeTests/PodmanFixture.swift (test targets cannot share sources).

/// The local test images scripts/podman-setup builds: busybox httpd on `$PORT` serving
/// `/version`, and `/health` for v1 and v2 only (so v3 fails its health check).
enum TestImage {
    static let v1 = "localhost/drover-test/web:v1"
    static let v2 = "localhost/drover-test/web:v2"
    static let v3 = "localhost/drover-test/web:v3"
}

/// A Podman API service on a temporary socket for one test.
struct PodmanService {
    let engine: DockerEngine
    /// Labels every container of the test carries, so cleanup finds them.
    let runLabel: [String: String]
}

/// Runs `podman system service` on a temporary socket, waits for `/_ping`, runs `body`, and on
/// every path force-removes the test's containers (by their run label) and stops the service.
func withPodman(_ body: (PodmanService) async throws -> Void) async throws {
    let directory = temporaryPath("swap-podman")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let socket = directory + "/podman.sock"
    let environment = ProcessInfo.processInfo.environment
    let pid = try ChildProcess.spawn(
        ["podman", "system", "service", "--time=0", "unix://\(socket)"], environment: environment,
        outputPath: directory + "/podman.log", grouping: .newProcessGroup)
    let run = "run-\(UInt32.random(in: 0...UInt32.max))"
    let service = PodmanService(engine: DockerEngine(socketPath: socket), runLabel: ["drover.test.run": run])

    func cleanUp() async {
        _ = try? await ChildProcess.run(
            [
                "sh", "-c",
                "podman ps -aq --filter label=drover.test.run=\(run) | xargs -r podman rm -f -t 0 >/dev/null",
            ],
            environment: environment, timeout: .seconds(60))
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
        try? FileManager.default.removeItem(atPath: directory)
    }

    do {
        try await eventually(timeout: .seconds(30), "podman service /_ping on \(socket)") {
            (try? await service.engine.ping()) != nil
        }
        try await body(service)
    } catch {
        let log = (try? String(contentsOfFile: directory + "/podman.log", encoding: .utf8)) ?? ""
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
