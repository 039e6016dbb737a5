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
            (HTTP mode, keep-alive to the backend, `http-reuse always`, `option forwardfor` like \
            Drover's X-Forwarded-For) in front of it, then runs \
            wrk against each of the three in turn, --rounds times, and reports medians: requests \
            per second and the latency percentiles wrk measured, and the latency each proxy adds \
            to the direct path. Each round runs at saturation (--connections) and at light load \
            (one connection, one request at a time: the proxy's own latency without queueing), \
            unless --no-light. Targets: Drover >= 0.7 x HAProxy's requests per second at \
            saturation; p50 added latency < 100 us at light load. Needs wrk, haproxy and nginx (apt-get install wrk haproxy \
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
    @Flag(inversion: .prefixedNo, help: "Also measure at light load (wrk -c1).")
    var light = true
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
        // Light load is one connection, so one wrk thread.
        let loads = [(threads, connections)] + (light ? [(1, 1)] : [])
        var runs: [String: [WrkResult]] = [:]
        for round in 1...max(1, rounds) {
            for (loadThreads, loadConnections) in loads {
                for (name, port) in targets {
                    let result = try wrk(port: port, threads: loadThreads, connections: loadConnections)
                    runs["\(name)/\(loadConnections)", default: []].append(result)
                    FileHandle.standardError.write(
                        Data(
                            ("proxy: round \(round) -c\(loadConnections) \(name): "
                                + "\(Int(result.requestsPerSecond)) req/s, p50 \(result.p50) us, p99 \(result.p99) us\n")
                                .utf8))
                }
            }
        }
        await proxy.close(timeout: .seconds(5))
        func load(_ connections: Int) -> ProxyReport.Load {
            ProxyReport.Load(
                connections: connections, direct: .median(runs["direct/\(connections)"] ?? []),
                drover: .median(runs["drover/\(connections)"] ?? []),
                haproxy: .median(runs["haproxy/\(connections)"] ?? []))
        }
        let report = ProxyReport(
            duration: duration, threads: threads, rounds: max(1, rounds), saturation: load(connections),
            light: light ? load(1) : nil)
        print(json ? report.jsonText : report.table)
    }

    /// Runs wrk once against `port`.
    private func wrk(port: Int, threads: Int, connections: Int) throws -> WrkResult {
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
            option forwardfor
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
