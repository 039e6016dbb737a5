import ArgumentParser
import DroverAPI
import DroverAgent
import DroverSession
import DroverWire
import Foundation

/// `drover-bench rollout`: a real controller rolling versions across N simulated agents.
struct RolloutBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Controller overhead of a rolling deploy and the time of a fleet-wide rollback, with N hosts.",
        discussion: """
            Starts a real `drover controller`, enrolls --hosts stand-in agents through the real \
            protocol and connects them (mutual TLS, heartbeats, host reports). The agents carry \
            out swap commands like a real agent (ack at once, result when done, a repeated \
            command id is a no-op) but a swap is a timer of --swap-time (a revert: --revert-time).

            1. v1 is deployed to every host (first deploy). 2. v2 is rolled out with \
            --max-parallel: the controller's overhead is the rollout's wall time (created to \
            finished, as the controller records it) minus the ideal time of the same schedule \
            with no controller at all (each host's measured swap time plus min_healthy_time, \
            list-scheduled on max_parallel slots in plan order), shown per batch and as a share \
            of the wall time (target: under 1 %). 3. v3 is rolled out; its health checks fail \
            on the hosts from --fail-from of the plan on, so most of the fleet has been swapped \
            when the failure is detected: the time from the first failed health verdict to the \
            last host rolled back is measured (target at 1,000 hosts: under 60 s). Use a release build.
            """
    )

    @Option(help: "Simulated hosts.")
    var hosts = 100
    @Option(help: "Hosts swapped at a time: a count or a percentage (max_parallel).")
    var maxParallel = "10%"
    @Option(help: "Simulated swap time per host, milliseconds.")
    var swapTimeMs = 2_000
    @Option(help: "Simulated revert time per host, milliseconds.")
    var revertTimeMs = 1_000
    @Option(help: "Where in the plan v3 starts failing, as a fraction of the hosts (0 = the first host).")
    var failFrom = 0.9
    @Option(help: "Report and heartbeat interval, seconds.")
    var interval = 5
    @Option(help: "Enrollments in flight at once.")
    var enrollConcurrency = 16
    @Option(help: "Source addresses 127.0.0.2… the agents connect from.")
    var addresses = 8
    @Option(help: "Directory with the drover binary (default: next to drover-bench).")
    var binaries: String?
    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    static let minHealthyMs: Int64 = 1_000

    func run() async throws {
        guard hosts > 0, swapTimeMs > 0, revertTimeMs > 0, (0...1).contains(failFrom), (1...200).contains(addresses)
        else {
            throw ValidationError(
                "--hosts, --swap-time-ms, --revert-time-ms must be positive; --fail-from 0...1; --addresses 1...200")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("drover-rollout-\(UInt32.random(in: 0...UInt32.max))").path
        let dataDirectory = directory + "/controller"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let drover = "\(binaries ?? BenchProcess.binaryDirectory)/drover"
        let controller = try await FleetController.start(
            drover: drover, dataDirectory: dataDirectory, port: 0, interval: interval)
        defer {
            controller.process.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        progress("controller pid \(controller.process.pid) listening on 127.0.0.1:\(controller.port)")
        let created = try BenchProcess.run(
            drover, ["controller", "token", "create", "--data-dir", dataDirectory, "--uses", "0", "--ttl", "24h"])
        guard created.status == 0 else { throw BenchError.processFailed(name: "token create", output: created.output) }
        let token = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let identities = try await FleetEnrollment(
            port: controller.port, pin: controller.pin, token: token, addresses: addresses,
            concurrency: enrollConcurrency,
            labels: ["bench": "rollout"]
        ).enroll(count: hosts) { progress($0) }
        progress("enrolled \(hosts) hosts")
        let indexOfHost = Dictionary(uniqueKeysWithValues: identities.enumerated().map { ($1.hostID, $0) })

        let swaps = SwapSimulation(
            swapTime: .milliseconds(swapTimeMs), revertTime: .milliseconds(revertTimeMs),
            failing: (version: "v3", fromIndex: Int((Double(hosts) * failFrom).rounded(.down))))
        let counters = FleetCounters()
        let port = controller.port
        let addressCount = addresses
        let fleet = Task {
            await withDiscardingTaskGroup { group in
                for (index, identity) in identities.enumerated() {
                    var agent = SimulatedAgent(
                        identity: identity, controllerHost: "127.0.0.1", controllerPort: port,
                        serverName: FleetController.serverName, bindAddress: "127.0.0.\(2 + index % addressCount)",
                        seed: UInt64(index) &* 0x9E37_79B9)
                    agent.index = index
                    agent.swaps = swaps
                    group.addTask { await agent.run(counters: counters) }
                }
            }
        }
        defer { fleet.cancel() }
        let client = try controller.apiClient()
        try await waitFor("all \(hosts) hosts ready", timeout: .seconds(120 + hosts / 50), controller: controller) {
            let list: HostList = try await client.call(.GET, "/v1/hosts")
            return list.hosts.filter { $0.state == "ready" }.count >= hosts
        }
        progress("\(hosts) hosts ready")

        // 1. First deploy.
        let first = try await deploy("v1", client: client, controller: controller)
        guard first.summary.phase == "succeeded" else {
            throw BenchError.processFailed(name: "deploy v1", output: "\(first.summary)")
        }
        progress("v1 on every host")

        // 2. Rolling deploy v1 -> v2.
        swaps.reset()
        let sampler = ProcessSampler(pid: controller.process.pid)
        let cpuBefore = sampler.sample()?.cpuTicks ?? 0
        let second = try await deploy("v2", client: client, controller: controller)
        let cpuAfter = sampler.sample()?.cpuTicks ?? 0
        guard second.summary.phase == "succeeded", let finished = second.summary.finishedAt else {
            throw BenchError.processFailed(name: "deploy v2", output: "\(second.summary)")
        }
        let records = swaps.records
        var swapTimeOf: [Int: Int64] = [:]
        for record in records where record.kind == .swap {
            if let done = record.resultAt { swapTimeOf[record.host] = done - record.receivedAt }
        }
        let planDurations = second.hosts.map { (swapTimeOf[indexOfHost[$0.host] ?? -1] ?? 0) + Self.minHealthyMs }
        let ideal = Self.listSchedule(planDurations, slots: second.maxParallel)
        let wall = finished - second.summary.createdAt
        let batches = (hosts + second.maxParallel - 1) / second.maxParallel
        progress("v2: wall \(wall) ms, ideal \(ideal) ms")

        // 3. Failing v3: automatic rollback.
        swaps.reset()
        let third = try await deploy("v3", client: client, controller: controller)
        let failures = swaps.records.filter { $0.outcome == .failed }.compactMap(\.resultAt)
        let reverts = swaps.records.filter { $0.kind == .rollback }
        guard third.summary.phase == "rolled_back", let detected = failures.min() else {
            throw BenchError.processFailed(name: "deploy v3", output: "expected a rollback, got \(third.summary)")
        }
        let lastRevert = reverts.compactMap(\.resultAt).max() ?? detected
        let rollbackFinished = third.summary.finishedAt ?? lastRevert

        let report = RolloutReport(
            hosts: hosts, maxParallel: second.maxParallel, swapTimeMs: swapTimeMs, revertTimeMs: revertTimeMs,
            minHealthyMs: Self.minHealthyMs, batches: batches, wallMs: wall, idealMs: ideal,
            controllerCPUSeconds: Double(cpuAfter - cpuBefore) / ProcessSampler.ticksPerSecond,
            failingFrom: swaps.failing?.fromIndex ?? 0, touchedBeforeRollback: reverts.count,
            revertedHosts: third.why?.revertedHosts.count ?? 0,
            detectionToLastRevertMs: lastRevert - detected, detectionToFinishedMs: rollbackFinished - detected,
            recordedRollbackMs: third.summary.rollbackDurationMs,
            duplicates: swaps.duplicates)
        print(json ? report.json : report.table)
    }

    /// Deploys `version` of the bench service and waits until the rollout is over.
    private func deploy(_ version: String, client: APIClient, controller: FleetController) async throws -> RolloutDetail
    {
        let spec = """
            name: bench
            engine: docker
            image: localhost/drover-bench/web:\(version)
            ports: {container: 8080, public: 18080}
            hosts: {labels: {bench: rollout}}
            health:
              http: {path: /health, status: 200}
              interval: 1s
              timeout: 500ms
              healthy_threshold: 1
              unhealthy_threshold: 3
            update:
              max_parallel: \(maxParallel)
              min_healthy_time: \(Self.minHealthyMs / 1_000)s
              healthy_deadline: 1m
              progress_deadline: 10m
              drain_timeout: 1s
            stop_grace: 1s
            """
        let summary: RolloutSummary = try await client.call(
            .POST, "/v1/deploys", body: DeployRequest(spec: spec, file: "bench.yaml"))
        progress("rollout \(summary.id): \(summary.fromVersion) -> \(summary.toVersion)")
        var detail: RolloutDetail?
        try await waitFor("rollout \(summary.id) to finish", timeout: .seconds(900), controller: controller) {
            detail = try await client.call(.GET, "/v1/rollouts/\(summary.id)")
            return detail?.summary.isFinished == true
        }
        return detail!
    }

    /// The makespan of `durations` run in order on `slots` parallel slots, each starting on the
    /// first slot to free up (what the rolling state machine does with no delay of its own).
    static func listSchedule(_ durations: [Int64], slots: Int) -> Int64 {
        var free = [Int64](repeating: 0, count: max(1, slots))
        var end: Int64 = 0
        for duration in durations {
            let slot = free.indices.min { free[$0] < free[$1] }!
            free[slot] += duration
            end = max(end, free[slot])
        }
        return end
    }

    private func waitFor(
        _ what: String, timeout: Duration, controller: FleetController, _ condition: () async throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while try await !condition() {
            guard clock.now < deadline else {
                throw BenchError.processFailed(name: "rollout", output: "timed out waiting for \(what)")
            }
            guard controller.process.isRunning else {
                throw BenchError.processFailed(name: "controller", output: controller.process.text)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data("rollout: \(line)\n".utf8))
    }
}

/// What `drover-bench rollout` measured.
struct RolloutReport: Encodable {
    var hosts: Int
    var maxParallel: Int
    var swapTimeMs: Int
    var revertTimeMs: Int
    var minHealthyMs: Int64
    var batches: Int
    var wallMs: Int64
    var idealMs: Int64
    var controllerCPUSeconds: Double
    var failingFrom: Int
    var touchedBeforeRollback: Int
    var revertedHosts: Int
    var detectionToLastRevertMs: Int64
    var detectionToFinishedMs: Int64
    var recordedRollbackMs: Int64?
    var duplicates: Int

    var overheadMs: Int64 { wallMs - idealMs }
    var overheadShare: Double { wallMs > 0 ? Double(overheadMs) / Double(wallMs) : 0 }

    var json: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        var object = (try? JSONSerialization.jsonObject(with: encoder.encode(self))) as? [String: Any] ?? [:]
        object["overhead_ms"] = overheadMs
        object["overhead_share"] = overheadShare
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    var table: String {
        let f = { (value: Double) in Statistics.format(value) }
        return """
            Rolling deploy v1 -> v2: \(hosts) hosts, max_parallel \(maxParallel) (\(batches) batches), swap \(swapTimeMs) ms + min_healthy_time \(minHealthyMs) ms per host
              wall time (controller: created -> finished)   \(f(Double(wallMs) / 1_000)) s
              ideal time (same schedule, no controller)     \(f(Double(idealMs) / 1_000)) s
              controller overhead                           \(f(Double(overheadMs) / 1_000)) s = \(f(Double(overheadMs) / Double(max(1, batches)))) ms per batch = \(f(overheadShare * 100)) % of the wall time (target < 1 %)
              controller CPU during the rollout             \(f(controllerCPUSeconds)) s
            Failing v3 (health fails from host \(failingFrom) of the plan on): automatic rollback
              hosts touched by v3 (swapped or swapping)     \(touchedBeforeRollback)
              hosts reverted                                \(revertedHosts) (revert \(revertTimeMs) ms each, in parallel)
              first failed verdict -> last host reverted    \(f(Double(detectionToLastRevertMs) / 1_000)) s (target at 1,000 hosts < 60 s)
              first failed verdict -> rollout finished      \(f(Double(detectionToFinishedMs) / 1_000)) s
              rollback time the controller recorded         \(recordedRollbackMs.map { "\(f(Double($0) / 1_000)) s" } ?? "-")
            Re-delivered command ids answered as duplicates: \(duplicates)
            """
    }
}
