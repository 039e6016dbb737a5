/// What `drover-bench agent-footprint` measured, as a table or JSON.
struct FootprintReport {
    static let rssTargetBytes = 15.0 * 1_048_576

    /// One process over the measurement window.
    struct Figures {
        var medianRSS: Double
        var maxRSS: Double
        /// Anonymous RSS at the end of the window.
        var anonymousRSS: Double
        /// CPU time as a share of one core, 0…1.
        var cpuShare: Double
        var writtenPerMinute: Double

        init(start: ProcessSampler.Sample, end: ProcessSampler.Sample, rss: [Double], seconds: Double) {
            medianRSS = rss.isEmpty ? Double(end.residentBytes) : Statistics.median(rss)
            maxRSS = rss.max() ?? Double(end.residentBytes)
            anonymousRSS = Double(end.anonymousBytes)
            cpuShare = Double(end.cpuTicks - start.cpuTicks) / ProcessSampler.ticksPerSecond / seconds
            writtenPerMinute = Double(end.writtenBytes - start.writtenBytes) / seconds * 60
        }
    }

    var duration: Double
    var interval: Int
    var agent: Figures
    var exporter: Figures
    var scrapes: Int
    var scrapedBytes: Int
    var hostsInController: Int

    var rssOK: Bool { agent.maxRSS <= Self.rssTargetBytes }
    var cpuOK: Bool { agent.cpuShare <= exporter.cpuShare }

    var table: String {
        let f = Statistics.format
        func mib(_ bytes: Double) -> String { f(bytes / 1_048_576, 1) + " MiB" }
        func pct(_ share: Double) -> String { f(share * 100, 3) + " %" }
        func kib(_ bytes: Double) -> String { f(bytes / 1024, 1) + " KiB" }
        return """
            drover-bench agent-footprint — \(f(duration, 0)) s window, report/scrape every \(interval) s
                                    drover-agent     node_exporter   ratio
                RSS median          \(mib(agent.medianRSS))     \(mib(exporter.medianRSS))     \(f(agent.medianRSS / exporter.medianRSS, 3))
                RSS max             \(mib(agent.maxRSS))     \(mib(exporter.maxRSS))
                RSS anonymous       \(mib(agent.anonymousRSS))      \(mib(exporter.anonymousRSS))     \(f(agent.anonymousRSS / exporter.anonymousRSS, 3))
                CPU (one core)      \(pct(agent.cpuShare))       \(pct(exporter.cpuShare))       \(exporter.cpuShare > 0 ? f(agent.cpuShare / exporter.cpuShare, 3) : "n/a")
                written per minute  \(kib(agent.writtenPerMinute))     \(kib(exporter.writtenPerMinute))
            node_exporter scrapes: \(scrapes), \(kib(Double(scrapedBytes) / Double(max(scrapes, 1)))) each
            hosts enrolled in the controller: \(hostsInController)
            targets: agent RSS ≤ 15 MiB: \(rssOK ? "meets" : "MISSES"); agent CPU ≤ node_exporter: \(cpuOK ? "meets" : "MISSES")
            """
    }

    var json: String {
        let f = Statistics.format
        func figures(_ x: Figures) -> String {
            """
            {"rssMedianBytes":\(f(x.medianRSS, 0)),"rssMaxBytes":\(f(x.maxRSS, 0)),"rssAnonymousBytes":\(f(x.anonymousRSS, 0)),"cpuShare":\(f(x.cpuShare, 6)),\
            "writtenBytesPerMinute":\(f(x.writtenPerMinute, 0))}
            """
        }
        return """
            {"benchmark":"agent-footprint","seconds":\(f(duration, 1)),"interval":\(interval),\
            "agent":\(figures(agent)),"nodeExporter":\(figures(exporter)),"scrapes":\(scrapes),\
            "scrapedBytes":\(scrapedBytes),"hostsEnrolled":\(hostsInController),"rssTargetMet":\(rssOK),\
            "cpuTargetMet":\(cpuOK)}
            """
    }
}
