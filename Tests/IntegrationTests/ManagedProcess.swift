import Foundation

/// A real child process (a built `drover` or `drover-agent`) with its output in files.
///
/// Every process a test starts is registered in a ``ProcessScope`` that kills it on every
/// path, so a failing test never leaves a daemon behind.
final class ManagedProcess: @unchecked Sendable {
    let name: String
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    init(name: String, executable: URL, arguments: [String], environment: [String: String] = [:], directory: URL) throws {
        self.name = name
        stdoutURL = directory.appendingPathComponent("\(name).stdout")
        stderrURL = directory.appendingPathComponent("\(name).stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["DROVER_CONTROLLER", "DROVER_TOKEN", "DROVER_CA_PIN", "DROVER_STATE_DIR"] { env[key] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    /// Sends a signal (SIGTERM for a graceful stop, SIGSTOP/SIGCONT to freeze).
    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Waits for the process to exit; returns its exit status.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(90)) async throws -> Int32 {
        try await poll(timeout: timeout, "\(name) to exit") { !self.process.isRunning }
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it does not exit within `grace`.
    func stop(grace: Duration = .seconds(10)) async {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if (try? await waitForExit(timeout: grace)) == nil {
            signal(SIGKILL)
            _ = try? await waitForExit(timeout: .seconds(5))
        }
    }

    func killNow() {
        if process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// Output for failure messages.
    var transcript: String {
        "--- \(name) stdout ---\n\(stdout)\n--- \(name) stderr ---\n\(stderr)"
    }
}

/// Owns the processes and the temporary directory of one test.
final class ProcessScope: @unchecked Sendable {
    let directory: URL
    private var processes: [ManagedProcess] = []
    private let lock = NSLock()

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("drover-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func start(_ name: String, _ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> ManagedProcess {
        let process = try ManagedProcess(
            name: name, executable: executable, arguments: arguments, environment: environment, directory: directory)
        lock.withLock { processes.append(process) }
        return process
    }

    /// Kills everything still running and removes the directory.
    func cleanUp() {
        let all = lock.withLock { processes }
        for process in all { process.killNow() }
        for process in all { process.process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Names of processes whose standard error shows a runtime crash.
    var crashedProcesses: [String] {
        lock.withLock { processes }.filter {
            let text = $0.stderr
            return text.contains("Fatal error") || text.contains("Program crashed")
        }.map(\.name)
    }

    /// Every transcript, for failure messages.
    var transcripts: String {
        lock.withLock { processes }.map(\.transcript).joined(separator: "\n")
    }
}

/// Runs `body` with a fresh scope and always kills its processes.
func withProcessScope(_ body: (ProcessScope) async throws -> Void) async throws {
    let scope = try ProcessScope()
    do {
        try await body(scope)
        // A daemon that crashed (a Swift runtime trap) fails the test even if the flow recovered.
        let crashed = scope.crashedProcesses
        if !crashed.isEmpty { throw PollTimeout(what: "no crash, but \(crashed.joined(separator: ", ")) crashed") }
    } catch {
        let transcripts = scope.transcripts
        scope.cleanUp()
        throw ScopeFailure(underlying: error, transcripts: transcripts)
    }
    scope.cleanUp()
}

/// A failed test with the output of every process it started.
struct ScopeFailure: Error, CustomStringConvertible {
    let underlying: any Error
    let transcripts: String
    var description: String { "\(underlying)\n\(transcripts)" }
}

/// A wait that ran past its deadline.
struct PollTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every 50 ms until it holds; throws ``PollTimeout`` after `timeout`.
func poll(timeout: Duration = .seconds(30), _ what: String, _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return }
        guard ContinuousClock.now < deadline else { throw PollTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// ``poll(timeout:_:_:)`` for a condition that awaits (e.g. runs a CLI command).
func pollAsync(timeout: Duration = .seconds(30), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw PollTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(100))
    }
}
