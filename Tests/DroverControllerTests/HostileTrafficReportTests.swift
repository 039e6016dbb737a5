import DroverAPI
import DroverController
import DroverRollout
import DroverWire
import Testing

/// A host report whose `web` traffic says whatever a hostile or broken agent wants.
func hostileReport(_ traffic: [Drover_V1_VersionTraffic], usedBytes: UInt64, totalBytes: UInt64) -> Drover_V1_HostReport {
    var status = Drover_V1_ServiceStatus()
    status.service = "web"
    status.traffic = traffic
    var report = Drover_V1_HostReport()
    report.services = [status]
    report.cpu.usageBp = .max
    report.memory.usedBytes = usedBytes
    report.memory.totalBytes = totalBytes
    return report
}

/// One version's counters with explicit buckets.
func versionTraffic(
    _ version: String, requests: UInt64, errors: UInt64, buckets: [(UInt32, UInt64)], sum: UInt64 = .max
) -> Drover_V1_VersionTraffic {
    var traffic = Drover_V1_VersionTraffic()
    traffic.version = version
    traffic.requests = requests
    traffic.errors = errors
    traffic.latencyCount = .max
    traffic.latencySumUs = sum
    traffic.latencyBucketIndex = buckets.map(\.0)
    traffic.latencyBucketCount = buckets.map(\.1)
    return traffic
}

@Suite("Rollout coordinator: hostile host reports")
struct HostileTrafficReportTests {
    @Test("counters at UInt64.max, more errors than requests, wild buckets and memory: judged, never a trap")
    func extremeCountersAreJudgedNotTrapped() throws {
        let harness = try CoordinatorHarness()
        try harness.driveToEnd(try harness.coordinator.deploy(specText: canarySpec("v1"), fileName: "web.yaml").id)
        let summary = try harness.coordinator.deploy(
            specText: canarySpec("v2", steps: "- {weight: 20, pause: 5m}"), fileName: "web.yaml")
        for sent in harness.dispatcher.sent where sent.command.kind != .confirm {
            harness.accept(sent)
            harness.succeed(sent)
        }
        for host in harness.hosts {
            harness.coordinator.hostReported(
                hostID: host, report: trafficReport(["v1": (0, 0), "v2": (0, 0)]), receivedAt: harness.now)
        }
        harness.advance(30_000)
        // h-1: errors far above requests, buckets out of the layout and repeated at UInt64.max,
        // memory used above its total. h-2 and h-3: request counts whose sum wraps a UInt64.
        harness.coordinator.hostReported(
            hostID: "h-1",
            report: hostileReport(
                [
                    versionTraffic("v2", requests: 200, errors: .max, buckets: [(.max, .max), (10, .max), (10, .max)]),
                    versionTraffic("v1", requests: .max, errors: .max, buckets: [(1_183, .max), (0, 1)]),
                ], usedBytes: .max, totalBytes: 1),
            receivedAt: harness.now)
        for host in ["h-2", "h-3"] {
            harness.coordinator.hostReported(
                hostID: host,
                report: hostileReport(
                    [versionTraffic("v2", requests: .max - 1, errors: 0, buckets: [(1_000, .max)])], usedBytes: 0,
                    totalBytes: 0),
                receivedAt: harness.now)
        }
        harness.advance(30_000)
        let detail = try harness.coordinator.rollout(summary.id)
        let analysis = try #require(detail.steps?.first?.analyses.last, "\(detail.log.map(\.message))")
        // More errors than requests is read as every request failing: the canary is rolled back.
        #expect(analysis.verdict == "fail", "\(detail.log.map(\.message))")
        #expect(detail.summary.phase == "rolling_back", "\(detail.log.map(\.message))")

        // Counters going backwards (a proxy restart, or a lie) count from zero again.
        for host in harness.hosts {
            harness.coordinator.hostReported(
                hostID: host, report: trafficReport(["v1": (1, 0), "v2": (1, 0)]), receivedAt: harness.now)
        }
        harness.advance(30_000)
        _ = try harness.coordinator.rollout(summary.id)
    }

    @Test("the analysis line of a stored result with more errors than requests stays within 100 %")
    func analysisTextClampsTheErrorShare() {
        var counters = TrafficCounters(requests: 3, errors: .max)
        #expect(counters.errorRateBP == 10_000)
        counters.errors = 1
        #expect(counters.errorRateBP == 3_333)
        #expect(TrafficCounters(requests: 0, errors: .max).errorRateBP == 0)
    }
}
