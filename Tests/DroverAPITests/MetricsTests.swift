import DroverAPI
import DroverInventory
import Foundation
import Testing

@Suite("Prometheus exposition")
struct MetricsTests {
    @Test("label values and help text are escaped; numbers are formatted for Prometheus")
    func escaping() {
        var exposition = PrometheusExposition()
        exposition.gauge("x_bytes", help: "A \\ help\nline.")
        exposition.sample("x_bytes", [("host", "a\"b\\c\nd")], 1_073_741_824)
        exposition.sample("x_bytes", [("host", "r")], 0.25)
        exposition.sample("x_bytes", [], .infinity)
        #expect(
            exposition.output == """
                # HELP x_bytes A \\\\ help\\nline.
                # TYPE x_bytes gauge
                x_bytes{host="a\\"b\\\\c\\nd"} 1073741824
                x_bytes{host="r"} 0.25
                x_bytes +Inf

                """)
    }

    @Test("/metrics needs a token by default, serves the fleet, and passes promtool check metrics")
    func metricsEndpoint() async throws {
        try await withAPIServer { api in
            try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1")
            try api.enroll(id: "h-bbbbbbbbbbbb", name: "web \"2\"")
            try api.enroll(id: "h-cccccccccccc", name: "db-1", connect: false)
            api.report("h-aaaaaaaaaaaa", cpu: 9_000, memoryUsed: 4 << 30, count: 3)
            api.report("h-bbbbbbbbbbbb", cpu: 500)

            #expect(try await api.client(token: nil).raw(.GET, "/metrics").0 == 401)
            let (status, body) = try await api.client(token: api.viewer).raw(.GET, "/metrics")
            #expect(status == 200)
            let text = String(decoding: body, as: UTF8.self)
            let lines = Set(text.split(separator: "\n").map(String.init))
            for expected in [
                "# TYPE drover_hosts gauge",
                "drover_hosts{state=\"ready\"} 2",
                "drover_hosts{state=\"lost\"} 1",
                "drover_hosts{state=\"drained\"} 0",
                "drover_host_up{host=\"web-1\"} 1",
                "drover_host_up{host=\"db-1\"} 0",
                "drover_host_cpu_usage_ratio{host=\"web-1\"} 0.9",
                "drover_host_cpu_usage_ratio{host=\"web \\\"2\\\"\"} 0.05",
                "drover_host_memory_used_bytes{host=\"web-1\"} 4294967296",
                "drover_host_memory_total_bytes{host=\"web-1\"} 17179869184",
                "drover_host_filesystem_used_bytes{host=\"web-1\",mountpoint=\"/var/lib/containers\"} 75161927680",
                "drover_host_filesystem_size_bytes{host=\"web-1\",mountpoint=\"/\"} 107374182400",
                "drover_host_load1{host=\"web-1\"} 2.5",
                "drover_host_condition{host=\"web-1\",condition=\"CPUHigh\"} 1",
                "drover_host_condition{host=\"web-1\",condition=\"MemoryHigh\"} 0",
                "drover_host_condition{host=\"web \\\"2\\\"\",condition=\"CPUHigh\"} 0",
            ] {
                #expect(lines.contains(expected), "missing: \(expected)")
            }
            // Every sample belongs to a family announced just before it (families are contiguous).
            var current = ""
            var seen: Set<String> = []
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# TYPE ") {
                    current = String(line.split(separator: " ")[2])
                    #expect(seen.insert(current).inserted)
                } else if !line.hasPrefix("#") {
                    let name = line.prefix { $0 != "{" && $0 != " " }
                    #expect(String(name) == current)
                }
            }

            let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            }
            if let promtool {
                let result = try await runProcess(promtool, ["check", "metrics"], stdin: body)
                #expect(result.status == 0, "promtool: \(result.stdout) \(result.stderr)")
                #expect(
                    result.stdout.isEmpty && result.stderr.isEmpty, "promtool lint: \(result.stdout) \(result.stderr)")
            } else {
                // Content was still checked above; only the external validator is unavailable.
                print("promtool not installed (apt-get install prometheus): skipped external validation")
            }
        }
    }

    @Test("/metrics can be opened to scrapers without a token")
    func metricsOpen() async throws {
        try await withAPIServer(configure: { $0.metricsRequireToken = false }) { (api: APIHarness) async throws in
            let (status, body) = try await api.client(token: nil).raw(.GET, "/metrics")
            #expect(status == 200)
            #expect(String(decoding: body, as: UTF8.self).contains("drover_hosts{state=\"ready\"} 0"))
        }
    }
}
