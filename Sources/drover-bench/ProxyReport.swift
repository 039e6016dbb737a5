import Foundation

/// The proxy benchmark's figures: each target at saturation (`-c N`) and at light load
/// (`-c 1`, one request at a time, where queueing does not hide the proxy's own latency).
struct ProxyReport {
    /// One load level's medians for the three targets.
    struct Load {
        var connections: Int
        var direct: WrkResult
        var drover: WrkResult
        var haproxy: WrkResult

        var throughputRatio: Double {
            haproxy.requestsPerSecond > 0 ? drover.requestsPerSecond / haproxy.requestsPerSecond : 0
        }
        /// Latency a proxy adds to the direct path at the median and at p99, microseconds.
        func added(_ result: WrkResult) -> (p50: Double, p99: Double) {
            (result.p50 - direct.p50, result.p99 - direct.p99)
        }
    }

    var duration: Int
    var threads: Int
    var rounds: Int
    var saturation: Load
    var light: Load?

    /// The target figure for added latency: the median at light load when measured (at
    /// saturation the median is mostly queueing), else at saturation.
    var addedP50: Double {
        light.map { $0.added($0.drover).p50 } ?? saturation.added(saturation.drover).p50
    }

    var table: String {
        func rows(_ load: Load) -> String {
            func row(_ name: String, _ result: WrkResult) -> String {
                let figures = [result.requestsPerSecond, result.p50, result.p90, result.p99]
                    .map { String(format: "%9.0f", $0) }.joined(separator: " ")
                let added =
                    name == "direct"
                    ? "        -        -"
                    : String(format: "%9.0f %8.0f", load.added(result).p50, load.added(result).p99)
                return "  \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(figures)  \(added)"
            }
            return """
                wrk -t\(threads) -c\(load.connections):
                  target       req/s    p50 µs    p90 µs    p99 µs  added p50 p99 µs
                \(row("direct", load.direct))
                \(row("drover", load.drover))
                \(row("haproxy", load.haproxy))
                """
        }
        let ratio = saturation.throughputRatio
        let basis = light == nil ? "at saturation" : "at light load (-c1)"
        return """
            drover-bench proxy — \(duration) s per run, median of \(rounds) alternating runs each
            \(rows(saturation))
            \(light.map { rows($0) + "\n" } ?? "")\
            drover / haproxy requests per second at -c\(saturation.connections): \(String(format: "%.3f", ratio)) (target ≥ 0.7: \(ratio >= 0.7 ? "meets" : "MISSES"))
            drover added p50 latency \(basis): \(String(format: "%.0f", addedP50)) µs (target < 100 µs: \(addedP50 < 100 ? "meets" : "MISSES"))
            """
    }

    var jsonText: String {
        func object(_ result: WrkResult) -> [String: Any] {
            [
                "requests_per_second": result.requestsPerSecond, "p50_us": result.p50, "p90_us": result.p90,
                "p99_us": result.p99,
            ]
        }
        func object(_ load: Load) -> [String: Any] {
            [
                "connections": load.connections, "direct": object(load.direct), "drover": object(load.drover),
                "haproxy": object(load.haproxy), "throughput_ratio": load.throughputRatio,
                "drover_added_p50_us": load.added(load.drover).p50, "drover_added_p99_us": load.added(load.drover).p99,
                "haproxy_added_p50_us": load.added(load.haproxy).p50,
                "haproxy_added_p99_us": load.added(load.haproxy).p99,
            ]
        }
        var root: [String: Any] = [
            "duration_s": duration, "threads": threads, "rounds": rounds, "saturation": object(saturation),
            "throughput_ratio": saturation.throughputRatio, "added_p50_us": addedP50,
        ]
        if let light { root["light"] = object(light) }
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
