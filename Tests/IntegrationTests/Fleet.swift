import DroverStore
import Foundation

/// A controller process and the agents of one test, all on 127.0.0.0/8.
final class Fleet: @unchecked Sendable {
    let scope: ProcessScope
    let dataDirectory: String
    private(set) var controller: ManagedProcess?
    private(set) var port = 0
    private(set) var caPin = ""
    private var controllerStarts = 0
    private var cliRuns = 0
    /// `https://127.0.0.1:PORT` of the controller's API.
    private(set) var apiAddress = ""
    /// The service a rollout test deploys (``withRolloutFleet(engine:minHealthyTime:startPeriod:_:)``).
    var currentService: RolloutService?

    init(scope: ProcessScope) {
        self.scope = scope
        dataDirectory = scope.directory.appendingPathComponent("controller").path
    }

    /// Starts `drover controller` (on a free port the first time, on the same port after) and
    /// waits until it listens.
    @discardableResult
    func startController(
        heartbeatInterval: String? = nil, certificateLifetime: String? = nil, maxOpening: Int? = nil
    ) async throws -> ManagedProcess {
        controllerStarts += 1
        var arguments = [
            "controller", "--data-dir", dataDirectory, "--listen", "127.0.0.1:\(port)", "--api-listen", "127.0.0.1:0",
            "--server-name", "controller.drover.test",
        ]
        if let heartbeatInterval { arguments += ["--heartbeat-interval", heartbeatInterval] }
        if let certificateLifetime { arguments += ["--certificate-lifetime", certificateLifetime] }
        if let maxOpening { arguments += ["--max-opening", "\(maxOpening)"] }
        let process = try scope.start("controller-\(controllerStarts)", Binaries.drover, arguments)
        controller = process
        try await poll("the controller to listen") {
            guard process.isRunning else { throw PollTimeout(what: "controller (it exited)\n\(process.transcript)") }
            return process.stdout.contains("listening on ")
        }
        let output = process.stdout
        guard let pinLine = output.split(separator: "\n").first(where: { $0.hasPrefix("CA pin: ") }),
            let listenLine = output.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
            let boundPort = Int(listenLine.split(separator: ":").last ?? "")
        else { throw PollTimeout(what: "controller banner in \(output)") }
        caPin = String(pinLine.dropFirst("CA pin: ".count))
        port = boundPort
        if let apiLine = output.split(separator: "\n").first(where: { $0.hasPrefix("API listening on ") }) {
            apiAddress = String(apiLine.dropFirst("API listening on ".count))
        }
        return process
    }

    /// The live inventory's view of host `name` (`drover hosts -o json` as an operator runs it),
    /// or nil when it is not listed.
    func liveHost(named name: String) async throws -> [String: Any]? {
        let token = try String(contentsOfFile: dataDirectory + "/admin.token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let environment = [
            "DROVER_ADDR": apiAddress, "DROVER_TOKEN": token, "DROVER_CA_CERT": dataDirectory + "/ca.crt",
        ]
        cliRuns += 1
        let list = try scope.start(
            "hosts-\(cliRuns)", Binaries.drover, ["hosts", "-o", "json"], environment: environment)
        guard try await list.waitForExit() == 0 else {
            throw PollTimeout(what: "drover hosts succeeded: \(list.transcript)")
        }
        let object = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        let hosts = object?["hosts"] as? [[String: Any]] ?? []
        return hosts.first { $0["name"] as? String == name }
    }

    /// Runs an operator command (`drover ARGS` with DROVER_ADDR, DROVER_TOKEN and DROVER_CA_CERT
    /// set, as the README says) to its end; its exit status and output.
    func cli(
        _ arguments: [String], timeout: Duration = .seconds(120)
    ) async throws -> (status: Int32, stdout: String, transcript: String) {
        let token = try String(contentsOfFile: dataDirectory + "/admin.token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let environment = [
            "DROVER_ADDR": apiAddress, "DROVER_TOKEN": token, "DROVER_CA_CERT": dataDirectory + "/ca.crt",
        ]
        cliRuns += 1
        let process = try scope.start(
            "cli-\(cliRuns)-\(arguments.first ?? "")", Binaries.drover, arguments, environment: environment)
        let status = try await process.waitForExit(timeout: timeout)
        return (status, process.stdout, process.transcript)
    }

    /// `drover controller token create`; returns the token.
    func createToken(uses: Int = 1, ttl: String = "1h") async throws -> String {
        let process = try scope.start(
            "token-\(UUID().uuidString.prefix(6))", Binaries.drover,
            ["controller", "token", "create", "--data-dir", dataDirectory, "--uses", "\(uses)", "--ttl", ttl])
        let status = try await process.waitForExit()
        guard status == 0 else { throw PollTimeout(what: "token create succeeded: \(process.transcript)") }
        return process.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A token that expired an hour ago, written straight into the store.
    func createExpiredToken() throws -> String {
        try withStore { store in
            let hourMs: Int64 = 3_600_000
            let issued = try store.createJoinToken(
                ttl: .seconds(3600), uses: 1, labels: [:], now: Self.nowMillis() - 2 * hourMs)
            return issued.tokenString
        }
    }

    /// Starts a `drover-agent` bound to `address` with state in `<scope>/<name>`.
    func startAgent(
        _ name: String,
        address: String,
        token: String? = nil,
        pin: String? = nil,
        reportInterval: String = "0.5",
        run: Int = 1,
        extra: [String] = [],
        environment: [String: String] = [:]
    ) throws -> ManagedProcess {
        var arguments = [
            "--controller", "127.0.0.1:\(port)", "--state-dir", stateDirectory(name), "--name", name,
            "--bind-address", address, "--report-interval", reportInterval,
            "--server-name", "controller.drover.test", "--label", "test=integration",
        ]
        if let token { arguments += ["--token", token] }
        if let pin { arguments += ["--ca-pin", pin] }
        return try scope.start("\(name)-\(run)", Binaries.agent, arguments + extra, environment: environment)
    }

    func stateDirectory(_ name: String) -> String {
        scope.directory.appendingPathComponent(name).path
    }

    // MARK: - The controller's store, read in-process

    func withStore<T>(_ body: (SQLiteStateStore) throws -> T) throws -> T {
        let store = try SQLiteStateStore(path: dataDirectory + "/state.db")
        defer { try? store.close() }
        return try body(store)
    }

    func host(named name: String) throws -> HostRecord? {
        try withStore { try $0.host(named: name) }
    }

    func events(kind: String, hostID: String? = nil) throws -> [EventRecord] {
        try withStore { try $0.listEvents(EventQuery(limit: 1000, kindPrefix: kind, hostID: hostID)) }
            .filter { $0.kind == kind }
    }

    /// Waits for the host `name` to be enrolled and to have sent a report in a session that
    /// started after `since` (Unix ms); returns the host.
    @discardableResult
    func waitForReport(from name: String, since: Int64 = 0, timeout: Duration = .seconds(30)) async throws -> HostRecord
    {
        var found: HostRecord?
        try await poll(timeout: timeout, "a host report from \(name)") {
            guard let host = try host(named: name) else { return false }
            found = host
            return try events(kind: "host.first_report", hostID: host.id).contains { $0.at >= since }
        }
        return found!
    }

    static func nowMillis() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}
