import Foundation

/// What `drover-bench fleet` measured, as a table or JSON.
struct FleetReport: Encodable {
    static let cpuTarget = 0.15
    static let rssTargetBytes = 512.0 * 1_048_576
    static let reconnectTargetSeconds = 30.0

    /// The controller at steady state.
    struct Steady: Encodable {
        var seconds: Double
        /// CPU time as a share of one core, 0…1.
        var cpuShare: Double
        var rssMedian: Double
        var rssMax: Double
        var anonymousMedian: Double
        var reportsPerSecond: Double
        /// Protobuf payload bytes per report.
        var averageReportBytes: Double
        var latencySamples: Int
        var latencyP50Micros: Double
        var latencyP99Micros: Double
        var latencyMaxMicros: Double
    }

    /// The controller restart.
    struct Restart: Encodable {
        /// SIGTERM until the process exited (goodbye to every agent, store closed).
        var stopSeconds: Double
        /// New controller listening until every agent had a session again.
        var fromListeningSeconds: Double
        /// SIGTERM until every agent had a session again.
        var fromStopSeconds: Double
        /// Hosts `ready` in the new controller's inventory afterwards.
        var readyAfter: Int
        /// TLS handshakes the agents completed until all were back, and how many resumed a session.
        var handshakes: Int
        var resumedHandshakes: Int
        /// CPU time of the new controller from listening until every agent was back.
        var controllerCPUSeconds: Double?
    }

    var benchmark = "fleet"
    var agents: Int
    var interval: Int
    var enrollSeconds: Double
    var connectSeconds: Double
    var steady: Steady
    var readyHosts: Int
    var restart: Restart?
    var failedAttempts: Int
    /// The most frequent causes of failed attempts, with their counts.
    var failureCauses: [String: Int] = [:]
    var lostSessions: Int
    /// Why the lost sessions ended, with their counts.
    var lossCauses: [String: Int] = [:]

    var cpuOK: Bool { steady.cpuShare < Self.cpuTarget }
    var rssOK: Bool { steady.rssMax < Self.rssTargetBytes }
    var reconnectOK: Bool? { restart.map { $0.fromStopSeconds < Self.reconnectTargetSeconds } }

    var table: String {
        let f = Statistics.format
        func mib(_ bytes: Double) -> String { f(bytes / 1_048_576, 1) + " MiB" }
        func ms(_ micros: Double) -> String { f(micros / 1000, 2) + " ms" }
        var lines = [
            "drover-bench fleet — \(agents) agents, report + heartbeat every \(interval) s, \(f(steady.seconds, 0)) s window",
            "    enrollment (real protocol)   \(f(enrollSeconds, 1)) s  (\(f(Double(agents) / max(enrollSeconds, 0.001), 0)) hosts/s)",
            "    first connection of all      \(f(connectSeconds, 1)) s",
            "    controller CPU (one core)    \(f(steady.cpuShare * 100, 2)) %   target < 15 %: \(cpuOK ? "meets" : "MISSES")",
            "    controller RSS median / max  \(mib(steady.rssMedian)) / \(mib(steady.rssMax))  (anonymous \(mib(steady.anonymousMedian)))  target < 512 MiB: \(rssOK ? "meets" : "MISSES")",
            "    reports received             \(f(steady.reportsPerSecond, 0)) /s, \(f(steady.averageReportBytes, 0)) B payload each",
            "    report → inventory latency   p50 \(ms(steady.latencyP50Micros)), p99 \(ms(steady.latencyP99Micros)), max \(ms(steady.latencyMaxMicros)) (\(steady.latencySamples) reports)",
            "    hosts ready in inventory     \(readyHosts)",
        ]
        if let restart {
            lines.append(
                "    restart: all agents back     \(f(restart.fromStopSeconds, 1)) s after SIGTERM, \(f(restart.fromListeningSeconds, 1)) s after the new controller listened (stop took \(f(restart.stopSeconds, 1)) s); target < 30 s: \(reconnectOK == true ? "meets" : "MISSES")"
            )
            lines.append("    hosts ready after restart    \(restart.readyAfter)")
            lines.append(
                "    handshakes until all back    \(restart.handshakes), \(restart.resumedHandshakes) resumed from a ticket"
            )
            if let cpu = restart.controllerCPUSeconds {
                lines.append(
                    "    controller CPU until back    \(f(cpu, 1)) s, \(f(cpu / Double(max(1, agents)) * 1000, 2)) ms per agent, "
                        + "\(f(cpu / max(restart.fromListeningSeconds, 0.001) * 100, 0)) % of one core")
            }
        }
        lines.append("    failed connection attempts   \(failedAttempts), sessions lost (not goodbye) \(lostSessions)")
        for (cause, count) in failureCauses.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key })
        {
            lines.append("        \(count) × \(cause)")
        }
        if !lossCauses.isEmpty {
            lines.append("    sessions lost, by cause")
            for (cause, count) in lossCauses.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                lines.append("        \(count) × \(cause)")
            }
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
