import ArgumentParser
import Foundation

/// `drover-bench agent-footprint`: the agent's memory, CPU and output next to Prometheus
/// node_exporter, both running on this machine in the same window.
struct AgentFootprint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent-footprint",
        abstract: "Agent RSS, CPU share and bytes sent per minute vs node_exporter, same run.",
        discussion: """
            Starts a real controller (temporary data dir, 127.0.0.1) and a real drover-agent that \
            enrolls and reports every --interval, plus `prometheus-node-exporter` scraped over HTTP \
            at the same interval (as Prometheus would). After a warm-up both are sampled from \
            /proc for --duration: RSS (median and max of 1 s samples), CPU as a share of one core \
            (utime+stime), and bytes written per minute (wchar: network output plus any logging). \
            Targets: agent RSS <= 15 MiB, agent CPU <= node_exporter's. Use a release build.
            """
    )

    @Option(help: "Measurement window in seconds.")
    var duration = 60
    @Option(help: "Agent report interval and node_exporter scrape interval, seconds.")
    var interval = 5
    @Option(help: "Warm-up before measuring, seconds.")
    var warmup = 10
    @Option(help: "node_exporter binary.")
    var nodeExporter = "/usr/bin/prometheus-node-exporter"
    @Option(help: "Directory with the drover and drover-agent binaries (default: next to drover-bench).")
    var binaries: String?
    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func run() async throws {
        guard FileManager.default.isExecutableFile(atPath: nodeExporter) else {
            throw BenchError.missingTool("\(nodeExporter) not found (apt-get install prometheus-node-exporter)")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("drover-footprint-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var processes: [BenchProcess] = []
        defer {
            for process in processes.reversed() { process.stop() }
            try? FileManager.default.removeItem(atPath: directory)
        }
        let bin = binaries ?? BenchProcess.binaryDirectory
        let drover = "\(bin)/drover"
        let agentBinary = "\(bin)/drover-agent"

        // Controller on a free port, then a join token, then the agent.
        let controller = try BenchProcess(
            name: "controller", executable: drover,
            arguments: ["controller", "--data-dir", "\(directory)/controller", "--listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0",
                        "--server-name", "controller.drover.test"])
        processes.append(controller)
        try await controller.waitForOutput(timeout: .seconds(30)) { $0.contains("listening on ") }
        let banner = controller.text.split(separator: "\n")
        guard let pin = banner.first(where: { $0.hasPrefix("CA pin: ") })?.dropFirst("CA pin: ".count),
            let port = banner.first(where: { $0.hasPrefix("listening on ") })?.split(separator: ":").last
        else { throw BenchError.processFailed(name: "controller", output: controller.text) }

        let created = try BenchProcess.run(drover, ["controller", "token", "create", "--data-dir", "\(directory)/controller"])
        guard created.status == 0 else { throw BenchError.processFailed(name: "token create", output: created.output) }
        let token = created.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let agent = try BenchProcess(
            name: "drover-agent", executable: agentBinary,
            arguments: ["--controller", "127.0.0.1:\(port)", "--token", token, "--ca-pin", String(pin),
                        "--state-dir", "\(directory)/agent", "--server-name", "controller.drover.test",
                        "--report-interval", "\(interval)", "--name", "footprint"])
        processes.append(agent)

        let exporterPort = try BenchProcess.freePort()
        let exporter = try BenchProcess(
            name: "node_exporter", executable: nodeExporter,
            arguments: ["--web.listen-address=127.0.0.1:\(exporterPort)"])
        processes.append(exporter)
        let scraper = MetricsScraper(port: exporterPort)
        let clock = ContinuousClock()
        let readyBy = clock.now + .seconds(30)
        while (try? scraper.scrape()) == nil {
            guard clock.now < readyBy, exporter.isRunning else {
                throw BenchError.processFailed(name: "node_exporter", output: exporter.text)
            }
            try await Task.sleep(for: .milliseconds(50))
        }

        // Warm-up: enrollment, first reports, first scrapes.
        var scrapedBytes = 0
        var scrapes = 0
        let warmupEnd = clock.now + .seconds(warmup)
        var nextScrape = clock.now
        while clock.now < warmupEnd {
            if clock.now >= nextScrape {
                _ = try scraper.scrape()
                nextScrape = nextScrape + .seconds(interval)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        guard agent.isRunning else { throw BenchError.processFailed(name: "drover-agent", output: agent.text) }

        let agentSampler = ProcessSampler(pid: agent.pid)
        let exporterSampler = ProcessSampler(pid: exporter.pid)
        guard let agentStart = agentSampler.sample(), let exporterStart = exporterSampler.sample() else {
            throw BenchError.processFailed(name: "sampling", output: "a process exited during warm-up")
        }
        var agentRSS: [Double] = []
        var exporterRSS: [Double] = []
        let start = clock.now
        let end = start + .seconds(duration)
        nextScrape = start
        var nextSample = start
        while clock.now < end {
            if clock.now >= nextScrape {
                scrapedBytes += try scraper.scrape()
                scrapes += 1
                nextScrape = nextScrape + .seconds(interval)
            }
            if clock.now >= nextSample {
                if let sample = agentSampler.sample() { agentRSS.append(Double(sample.residentBytes)) }
                if let sample = exporterSampler.sample() { exporterRSS.append(Double(sample.residentBytes)) }
                nextSample = nextSample + .seconds(1)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let elapsed = Statistics.seconds(clock.now - start)
        guard let agentEnd = agentSampler.sample(), let exporterEnd = exporterSampler.sample() else {
            throw BenchError.processFailed(name: "sampling", output: "a process exited while measured:\n\(agent.text)")
        }
        let reportsSeen = try Self.reportCount(drover: drover, dataDirectory: "\(directory)/controller")

        let report = FootprintReport(
            duration: elapsed, interval: interval,
            agent: .init(start: agentStart, end: agentEnd, rss: agentRSS, seconds: elapsed),
            exporter: .init(start: exporterStart, end: exporterEnd, rss: exporterRSS, seconds: elapsed),
            scrapes: scrapes, scrapedBytes: scrapedBytes, hostsInController: reportsSeen)
        print(json ? report.json : report.table)
    }

    /// How many hosts the controller's store lists (proves the agent really enrolled).
    private static func reportCount(drover: String, dataDirectory: String) throws -> Int {
        let list = try BenchProcess.run(drover, ["controller", "hosts", "list", "--data-dir", dataDirectory, "--format", "json"])
        guard list.status == 0 else { throw BenchError.processFailed(name: "hosts list", output: list.output) }
        return list.output.components(separatedBy: "\"id\"").count - 1
    }
}
