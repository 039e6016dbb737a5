import ArgumentParser
import DroverAPI
import DroverAgent
import DroverSession
import DroverTLS
import Foundation
import Synchronization

/// `drover-bench fleet`: a real controller process against N simulated agents in this process.
struct FleetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Controller CPU, memory, report latency and reconnect time with N agents.",
        discussion: """
            Starts a real `drover controller` (temporary data dir, 127.0.0.1), enrolls --agents \
            stand-in hosts through the real enrollment protocol (one join token, each host its own \
            key, CSR and certificate), then runs them here, each with its own mutual-TLS session \
            from 127.0.0.2…, heartbeats and a realistic host report (8 cores, 3 file systems, \
            2 interfaces) every --interval. Once all are connected and a --warmup has passed, the \
            controller is sampled from /proc for --duration: CPU as a share of one core \
            (utime+stime), RSS (median and max of 1 s samples); report-to-inventory latency p50 / \
            p99 comes from every report sent in that window. Then the controller is restarted \
            (SIGTERM, start again on the same data dir and port) and the time until every agent \
            has a session again is measured. Targets at 10,000 agents and 5 s: under 15 % of one \
            core, under 512 MiB, reconnection under 30 s. Use a release build.
            """
    )

    @Option(help: "Simulated agents.")
    var agents = 1_000
    @Option(help: "Report and heartbeat interval, seconds.")
    var interval = 5
    @Option(help: "Wait after all agents are connected, seconds.")
    var warmup = 15
    @Option(help: "Measurement window, seconds.")
    var duration = 60
    @Option(help: "Enrollments in flight at once.")
    var enrollConcurrency = 16
    @Option(help: "Source addresses 127.0.0.2… the agents connect from.")
    var addresses = 8
    @Option(help: "The controller's --max-opening (default: its own default).")
    var maxOpening: Int?
    @Flag(help: "Skip the controller restart.")
    var noRestart = false
    @Option(help: "Directory with the drover binary (default: next to drover-bench).")
    var binaries: String?
    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func run() async throws {
        guard agents > 0, interval > 0, duration > 0, (1...200).contains(addresses) else {
            throw ValidationError("--agents, --interval and --duration must be positive; --addresses 1...200")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("drover-fleet-\(UInt32.random(in: 0...UInt32.max))").path
        let dataDirectory = directory + "/controller"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let drover = "\(binaries ?? BenchProcess.binaryDirectory)/drover"
        let clock = ContinuousClock()
        let controllerArguments = maxOpening.map { ["--max-opening", "\($0)"] } ?? []
        var controller = try await FleetController.start(
            drover: drover, dataDirectory: dataDirectory, port: 0, interval: interval,
            extraArguments: controllerArguments)
        defer {
            controller.process.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        progress("controller pid \(controller.process.pid) listening on 127.0.0.1:\(controller.port)")

        let created = try BenchProcess.run(
            drover, ["controller", "token", "create", "--data-dir", dataDirectory, "--uses", "0", "--ttl", "24h"])
        guard created.status == 0 else { throw BenchError.processFailed(name: "token create", output: created.output) }
        let token = created.output.trimmingCharacters(in: .whitespacesAndNewlines)

        // 1. Enrollment, through the real protocol.
        let enrollStart = clock.now
        let identities = try await FleetEnrollment(
            port: controller.port, pin: controller.pin, token: token, addresses: addresses,
            concurrency: enrollConcurrency,
            labels: ["bench": "fleet"]
        ).enroll(count: agents) { progress($0) }
        let enrollSeconds = Statistics.seconds(clock.now - enrollStart)
        progress("enrolled \(agents) hosts in \(Statistics.format(enrollSeconds)) s")

        // 2. All sessions up.
        let counters = FleetCounters()
        let port = controller.port
        let addressCount = addresses
        let fleet = Task {
            await withDiscardingTaskGroup { group in
                for (index, identity) in identities.enumerated() {
                    let agent = SimulatedAgent(
                        identity: identity, controllerHost: "127.0.0.1", controllerPort: port,
                        serverName: FleetController.serverName, bindAddress: "127.0.0.\(2 + index % addressCount)",
                        seed: UInt64(index) &* 0x9E37_79B9)
                    group.addTask { await agent.run(counters: counters) }
                }
            }
        }
        defer { fleet.cancel() }
        let connectStart = clock.now
        try await waitUntil(
            "all \(agents) sessions established", timeout: .seconds(120 + agents / 50), controller: controller,
            progressCounters: counters
        ) {
            counters.open.load(ordering: .relaxed) >= agents
        }
        let connectSeconds = Statistics.seconds(clock.now - connectStart)
        progress("\(agents) sessions established in \(Statistics.format(connectSeconds)) s; warming up \(warmup) s")
        try await Task.sleep(for: .seconds(warmup))

        // 3. Steady state.
        let steady = try await measureSteadyState(controller: controller, counters: counters)
        let ready = try await readyHosts(controller: controller)
        progress("steady state: \(ready) hosts ready in the controller's inventory")

        // 4. Restart.
        var restart: FleetReport.Restart?
        if !noRestart {
            let before = counters.established.load(ordering: .relaxed)
            let handshakesBefore = counters.handshakes.load(ordering: .relaxed)
            let resumedBefore = counters.resumedHandshakes.load(ordering: .relaxed)
            let stopStart = clock.now
            controller.process.stop()
            let stopped = clock.now
            controller = try await FleetController.start(
                drover: drover, dataDirectory: dataDirectory, port: port, interval: interval,
                extraArguments: controllerArguments)
            let listening = clock.now
            let restartedSampler = ProcessSampler(pid: controller.process.pid)
            let cpuAtListening = restartedSampler.sample()?.cpuTicks
            progress(
                "controller restarted (stop took \(Statistics.format(Statistics.seconds(stopped - stopStart))) s); waiting for agents"
            )
            try await waitUntil(
                "all agents back", timeout: .seconds(300), controller: controller, progressCounters: counters
            ) {
                counters.established.load(ordering: .relaxed) - before >= agents
                    && counters.open.load(ordering: .relaxed) >= agents
            }
            let back = clock.now
            let cpuWhenBack = restartedSampler.sample()?.cpuTicks
            let readyAfter = try await readyHosts(controller: controller)
            restart = FleetReport.Restart(
                stopSeconds: Statistics.seconds(stopped - stopStart),
                fromListeningSeconds: Statistics.seconds(back - listening),
                fromStopSeconds: Statistics.seconds(back - stopStart),
                readyAfter: readyAfter,
                handshakes: counters.handshakes.load(ordering: .relaxed) - handshakesBefore,
                resumedHandshakes: counters.resumedHandshakes.load(ordering: .relaxed) - resumedBefore,
                controllerCPUSeconds: cpuAtListening.flatMap { start in
                    cpuWhenBack.map { Double($0 - start) / ProcessSampler.ticksPerSecond }
                })
        }
        fleet.cancel()

        let report = FleetReport(
            agents: agents, interval: interval, enrollSeconds: enrollSeconds, connectSeconds: connectSeconds,
            steady: steady, readyHosts: ready, restart: restart,
            failedAttempts: counters.failedAttempts.load(ordering: .relaxed),
            failureCauses: Dictionary(
                uniqueKeysWithValues: counters.failuresByCause.prefix(8).map { ($0.cause, $0.count) }),
            lostSessions: counters.lostSessions.load(ordering: .relaxed), lossCauses: counters.lossesByCause)
        print(json ? report.json : report.table)
    }

    private func measureSteadyState(
        controller: FleetController, counters: FleetCounters
    ) async throws -> FleetReport.Steady {
        let clock = ContinuousClock()
        let sampler = ProcessSampler(pid: controller.process.pid)
        guard let first = sampler.sample() else {
            throw BenchError.processFailed(name: "controller", output: controller.process.text)
        }
        let reportsBefore = counters.reports.load(ordering: .relaxed)
        let bytesBefore = counters.reportBytes.load(ordering: .relaxed)
        counters.startRecordingLatencies()
        let start = clock.now
        var rss: [Double] = []
        var anonymous: [Double] = []
        var next = start
        while clock.now < start + .seconds(duration) {
            if let sample = sampler.sample() {
                rss.append(Double(sample.residentBytes))
                anonymous.append(Double(sample.anonymousBytes))
            }
            next = next + .seconds(1)
            try await Task.sleep(until: next)
        }
        let elapsed = Statistics.seconds(clock.now - start)
        let latencies = counters.stopRecordingLatencies().sorted()
        guard let last = sampler.sample() else {
            throw BenchError.processFailed(name: "controller", output: controller.process.text)
        }
        let reports = counters.reports.load(ordering: .relaxed) - reportsBefore
        let cpuSeconds = Double(last.cpuTicks - first.cpuTicks) / ProcessSampler.ticksPerSecond
        return FleetReport.Steady(
            seconds: elapsed, cpuShare: cpuSeconds / elapsed,
            rssMedian: Statistics.median(rss), rssMax: rss.max() ?? 0, anonymousMedian: Statistics.median(anonymous),
            reportsPerSecond: Double(reports) / elapsed,
            averageReportBytes: reports > 0
                ? Double(counters.reportBytes.load(ordering: .relaxed) - bytesBefore) / Double(reports) : 0,
            latencySamples: latencies.count,
            latencyP50Micros: Self.percentile(latencies, 0.50), latencyP99Micros: Self.percentile(latencies, 0.99),
            latencyMaxMicros: latencies.last.map(Double.init) ?? 0)
    }

    /// Hosts the controller's API lists as `ready`.
    private func readyHosts(controller: FleetController) async throws -> Int {
        let list: HostList = try await controller.apiClient().call(.GET, "/v1/hosts")
        return list.hosts.filter { $0.state == "ready" }.count
    }

    private func waitUntil(
        _ what: String, timeout: Duration, controller: FleetController, progressCounters: FleetCounters? = nil,
        _ condition: () -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var nextProgress = clock.now + .seconds(10)
        while !condition() {
            if clock.now >= nextProgress, let counters = progressCounters {
                nextProgress = clock.now + .seconds(10)
                progress("waiting for \(what): \(counters.statusLine)")
            }
            guard clock.now < deadline else {
                throw BenchError.processFailed(
                    name: "fleet", output: "timed out waiting for \(what); \(progressCounters?.statusLine ?? "")")
            }
            guard controller.process.isRunning else {
                throw BenchError.processFailed(name: "controller", output: controller.process.text)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func percentile(_ sorted: [UInt32], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return Double(sorted[max(0, index)])
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data("fleet: \(line)\n".utf8))
    }
}
