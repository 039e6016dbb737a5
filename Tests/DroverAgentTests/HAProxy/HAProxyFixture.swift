import DroverAgent
import Foundation
import Testing

/// A real HAProxy (Debian's, installed by scripts/test) in a temporary directory: stats socket
/// there, one frontend on a free 127.0.0.1 port and an empty backend, both named `backend`.
struct HAProxyFixture {
    let directory: String
    let socketPath: String
    let port: Int
    let backend: String
    let process: Process

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// haproxy from PATH or /usr/sbin; a missing one fails the test (never skips it).
    static func executable() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/haproxy" } + ["/usr/sbin/haproxy"]
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        let message = "haproxy is not installed: run scripts/test, which installs it (Debian's haproxy package)"
        Issue.record(Comment(rawValue: message))
        throw Failure(description: message)
    }

    /// The generated configuration: balance `balance`, HTTP mode, keep-alive on both sides.
    static func configuration(socket: String, port: Int, backend: String, balance: String, level: String) -> String {
        """
        global
            stats socket \(socket) mode 600 level \(level)
            maxconn 2000
        defaults
            mode http
            timeout connect 2s
            timeout client 30s
            timeout server 30s
        frontend \(backend)
            bind 127.0.0.1:\(port)
            default_backend \(backend)
        backend \(backend)
            balance \(balance)

        """
    }

    /// Runs `body` with a started HAProxy; stops it and removes the directory on every path.
    static func with(
        backend: String = "web", balance: String = "roundrobin", level: String = "admin",
        _ body: (HAProxyFixture) async throws -> Void
    ) async throws {
        let haproxy = try executable()
        let directory = temporaryPath("haproxy")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/admin.sock"
        let port = try LoopbackPort.free()
        let config = directory + "/haproxy.cfg"
        try Data(configuration(socket: socket, port: port, backend: backend, balance: balance, level: level).utf8)
            .write(to: URL(fileURLWithPath: config))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: haproxy)
        process.arguments = ["-db", "-f", config]
        let log = directory + "/haproxy.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let fixture = HAProxyFixture(
            directory: directory, socketPath: socket, port: port, backend: backend, process: process)
        defer { fixture.stop() }
        try await fixture.waitUntilReady(log: log)
        try await body(fixture)
    }

    /// Polls the socket until HAProxy answers (or has exited, or 60 s have passed: the whole
    /// suite runs in parallel on two cores in CI).
    func waitUntilReady(log: String) async throws {
        let client = HAProxyRuntimeClient(socketPath: socketPath, timeout: .seconds(2))
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            if (try? await client.send("show info"))?.contains("Name: HAProxy") == true { return }
            guard process.isRunning, ContinuousClock.now < deadline else {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw Failure(description: "haproxy did not come up: \(text)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// SIGTERM (HAProxy stops at once), then SIGKILL if it lingers.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(2_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// A router for the fixture's backend.
    func router(backend: String? = nil, socketPath: String? = nil) -> HAProxyRouter {
        HAProxyRouter(
            configuration: HAProxyRouter.Configuration(
                socketPath: socketPath ?? self.socketPath, backend: backend ?? self.backend, publicPort: port))
    }

    /// A runtime client on the fixture's socket.
    var client: HAProxyRuntimeClient { HAProxyRuntimeClient(socketPath: socketPath) }
}
