import ArgumentParser
import DroverProxy
import Foundation

/// `drover-bench proxy`: the service proxy's throughput and added latency against a direct
/// connection to the backend and against HAProxy, with the same load generator in one run.
struct ProxyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Service proxy requests per second and added latency vs direct and vs HAProxy (wrk), same run.",
        discussion: """
            Starts nginx (one worker) answering 200 "ok" on 127.0.0.1 as the backend, Drover's \
            service proxy (in this process, HTTP mode, one backend at weight 100 %) and HAProxy \
            (HTTP mode, keep-alive to the backend, `http-reuse always`) in front of it, then runs \
            wrk against each of the three in turn, --rounds times, and reports medians: requests \
            per second and the latency percentiles wrk measured, and the latency each proxy adds \
            to the direct path. Targets: Drover >= 0.7 x HAProxy's requests per second; p50 \
            added latency < 100 us. Needs wrk, haproxy and nginx (apt-get install wrk haproxy \
            nginx-light). Use a release build.
            """
    )

    @Option(help: "Seconds per wrk run.")
    var duration = 10
    @Option(help: "wrk connections.")
    var connections = 32
    @Option(help: "wrk threads.")
    var threads = 1
    @Option(help: "Runs of each target (alternating); medians are reported.")
    var rounds = 3
    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func run() async throws {
        for tool in ["/usr/bin/wrk", "/usr/sbin/haproxy", "/usr/sbin/nginx"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw BenchError.missingTool("\(tool) not found (apt-get install wrk haproxy nginx-light)")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("drover-proxy-bench-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var processes: [BenchProcess] = []
        defer {
            for process in processes.reversed() { process.stop() }
            try? FileManager.default.removeItem(atPath: directory)
        }

        let backendPort = try BenchProcess.freePort()
        try Self.nginxConfig(directory: directory, port: backendPort)
            .write(toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)
        let nginx = try BenchProcess(
            name: "nginx", executable: "/usr/sbin/nginx", arguments: ["-p", directory, "-c", "\(directory)/nginx.conf"])
        processes.append(nginx)
        try await Self.waitUntilServing(port: backendPort, process: nginx)

        let proxy = try ServiceProxy(
            configuration: ServiceProxyConfiguration(host: "127.0.0.1", port: 0),
            table: RoutingTable(backends: [
                Backend(
                    id: "nginx", version: "v1", host: "127.0.0.1", port: backendPort, weight: RoutingTable.fullWeight)
            ]))
        let droverPort = try await proxy.start()

        let haproxyPort = try BenchProcess.freePort()
        try Self.haproxyConfig(port: haproxyPort, backendPort: backendPort)
            .write(toFile: "\(directory)/haproxy.cfg", atomically: true, encoding: .utf8)
        let haproxy = try BenchProcess(
            name: "haproxy", executable: "/usr/sbin/haproxy", arguments: ["-db", "-f", "\(directory)/haproxy.cfg"])
        processes.append(haproxy)
        try await Self.waitUntilServing(port: haproxyPort, process: haproxy)

        let targets = [("direct", backendPort), ("drover", droverPort), ("haproxy", haproxyPort)]
        var runs: [String: [WrkResult]] = [:]
        for round in 1...max(1, rounds) {
            for (name, port) in targets {
                let result = try wrk(port: port)
                runs[name, default: []].append(result)
                FileHandle.standardError.write(
                    Data(
                        "proxy: round \(round) \(name): \(Int(result.requestsPerSecond)) req/s, p50 \(result.p50) us\n"
                            .utf8))
            }
        }
        await proxy.close(timeout: .seconds(5))
        let report = ProxyReport(
            duration: duration, connections: connections, threads: threads, rounds: max(1, rounds),
            direct: .median(runs["direct"] ?? []), drover: .median(runs["drover"] ?? []),
            haproxy: .median(runs["haproxy"] ?? []))
        print(json ? report.jsonText : report.table)
    }

    /// Runs wrk once against `port`.
    private func wrk(port: Int) throws -> WrkResult {
        let (status, output) = try BenchProcess.run(
            "/usr/bin/wrk",
            ["-t\(threads)", "-c\(connections)", "-d\(duration)s", "--latency", "http://127.0.0.1:\(port)/"])
        guard status == 0, let result = WrkResult(parsing: output) else {
            throw BenchError.processFailed(name: "wrk", output: output)
        }
        guard result.errors == 0 else {
            throw BenchError.processFailed(name: "wrk (\(result.errors) failed requests)", output: output)
        }
        return result
    }

    /// Polls until something accepts connections on `port` (or the process died).
    static func waitUntilServing(port: Int, process: BenchProcess) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while clock.now < deadline {
            guard process.isRunning else { throw BenchError.processFailed(name: process.name, output: process.text) }
            let (status, _) = try BenchProcess.run("/usr/bin/wrk", ["-t1", "-c1", "-d1s", "http://127.0.0.1:\(port)/"])
            if status == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError.processFailed(name: process.name, output: "not serving on \(port):\n\(process.text)")
    }

    static func nginxConfig(directory: String, port: Int) -> String {
        """
        worker_processes 1;
        daemon off;
        pid \(directory)/nginx.pid;
        error_log \(directory)/error.log;
        events { worker_connections 4096; }
        http {
            access_log off;
            client_body_temp_path \(directory)/body;
            proxy_temp_path \(directory)/proxy;
            fastcgi_temp_path \(directory)/fastcgi;
            uwsgi_temp_path \(directory)/uwsgi;
            scgi_temp_path \(directory)/scgi;
            keepalive_requests 1000000;
            server {
                listen 127.0.0.1:\(port);
                location / { return 200 "ok\\n"; }
            }
        }

        """
    }

    static func haproxyConfig(port: Int, backendPort: Int) -> String {
        """
        global
            maxconn 4096
        defaults
            mode http
            option http-keep-alive
            timeout connect 2s
            timeout client 30s
            timeout server 30s
        frontend drover_bench
            bind 127.0.0.1:\(port)
            default_backend nginx
        backend nginx
            http-reuse always
            server s1 127.0.0.1:\(backendPort)

        """
    }
}

/// What one wrk run measured.
struct WrkResult: Sendable {
    var requestsPerSecond: Double
    /// Latency percentiles, microseconds.
    var p50: Double
    var p90: Double
    var p99: Double
    /// Socket errors, non-2xx/3xx answers and timeouts.
    var errors: Int

    /// Parses wrk's `--latency` output; `nil` when a figure is missing.
    init?(parsing output: String) {
        var rps: Double?
        var percentiles: [String: Double] = [:]
        var errors = 0
        for raw in output.split(separator: "\n") {
            let fields = raw.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let first = fields.first else { continue }
            if first == "Requests/sec:", fields.count >= 2 { rps = Double(fields[1]) }
            if ["50%", "90%", "99%"].contains(first), fields.count >= 2, let value = Self.microseconds(fields[1]) {
                percentiles[first] = value
            }
            if first == "Non-2xx", let count = fields.last.flatMap({ Int($0) }) { errors += count }
            if first == "Socket", raw.contains("errors:") {
                errors += raw.split(separator: ",").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
                    .reduce(0, +)
            }
        }
        guard let rps, let p50 = percentiles["50%"], let p90 = percentiles["90%"], let p99 = percentiles["99%"] else {
            return nil
        }
        self.init(requestsPerSecond: rps, p50: p50, p90: p90, p99: p99, errors: errors)
    }

    init(requestsPerSecond: Double, p50: Double, p90: Double, p99: Double, errors: Int) {
        self.requestsPerSecond = requestsPerSecond
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.errors = errors
    }

    /// wrk's `123.45us`, `1.20ms`, `2.00s` in microseconds.
    static func microseconds(_ text: String) -> Double? {
        for (unit, factor) in [("us", 1.0), ("ms", 1_000.0), ("s", 1_000_000.0)] where text.hasSuffix(unit) {
            return Double(text.dropLast(unit.count)).map { $0 * factor }
        }
        return nil
    }

    /// The median of each figure over several runs.
    static func median(_ runs: [WrkResult]) -> WrkResult {
        func middle(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        }
        return WrkResult(
            requestsPerSecond: middle(runs.map(\.requestsPerSecond)), p50: middle(runs.map(\.p50)),
            p90: middle(runs.map(\.p90)), p99: middle(runs.map(\.p99)), errors: runs.map(\.errors).reduce(0, +))
    }
}

/// The proxy benchmark's figures.
struct ProxyReport {
    var duration: Int
    var connections: Int
    var threads: Int
    var rounds: Int
    var direct: WrkResult
    var drover: WrkResult
    var haproxy: WrkResult

    var throughputRatio: Double {
        haproxy.requestsPerSecond > 0 ? drover.requestsPerSecond / haproxy.requestsPerSecond : 0
    }
    var addedP50: Double { drover.p50 - direct.p50 }

    var table: String {
        func row(_ name: String, _ result: WrkResult) -> String {
            let rps = String(format: "%10.0f", result.requestsPerSecond)
            let p50 = String(format: "%8.0f", result.p50)
            let p90 = String(format: "%8.0f", result.p90)
            let p99 = String(format: "%8.0f", result.p99)
            let added = name == "direct" ? "       -" : String(format: "%8.0f", result.p50 - direct.p50)
            return
                "  \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(rps)   \(p50) \(p90) \(p99)   \(added)"
        }
        return """
            drover-bench proxy — wrk -t\(threads) -c\(connections), \(duration) s per run, median of \(rounds) runs each
              target        req/s    p50 µs   p90 µs   p99 µs   added p50 µs
            \(row("direct", direct))
            \(row("drover", drover))
            \(row("haproxy", haproxy))
            drover / haproxy requests per second: \(String(format: "%.3f", throughputRatio)) (target ≥ 0.7: \(throughputRatio >= 0.7 ? "meets" : "MISSES"))
            drover added p50 latency: \(String(format: "%.0f", addedP50)) µs (target < 100 µs: \(addedP50 < 100 ? "meets" : "MISSES"))
            """
    }

    var jsonText: String {
        func object(_ result: WrkResult) -> [String: Any] {
            [
                "requests_per_second": result.requestsPerSecond, "p50_us": result.p50, "p90_us": result.p90,
                "p99_us": result.p99,
            ]
        }
        let object: [String: Any] = [
            "duration_s": duration, "connections": connections, "threads": threads, "rounds": rounds,
            "direct": object(direct), "drover": object(drover), "haproxy": object(haproxy),
            "throughput_ratio": throughputRatio, "added_p50_us": addedP50,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
