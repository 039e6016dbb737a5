import DroverAPI
import DroverController
import DroverInventory
import DroverRollout
import DroverStore
import DroverTLS
import DroverWire
import Foundation
import SwiftProtobuf

/// A host report, whatever its figures, goes through the controller without a trap: the
/// inventory (history, conditions), the traffic samples and a canary analysis over them, and
/// the API's host views and `/metrics` built from it. Derived shares stay within 0…10000 and
/// every `/metrics` line is a comment or a sample.
///
/// Input: a serialized `HostReport`; its first two service statuses are the analysis window's
/// start and end (the same status when there is one).
enum HostReportFuzzer {
    static let t0: Int64 = 1_800_000_000_000

    /// One store for every input: the router only reads it here.
    static let fixture = makeFixture()

    struct Fixture {
        var store: SQLiteStateStore
        var admin: String
    }

    static func makeFixture() -> Fixture {
        do {
            let store = try SQLiteStateStore.inMemory()
            try store.insertHost(
                HostRecord(
                    id: "h-1", name: "web-1", address: "10.0.0.1", labels: ["role": "web"], agentVersion: "1",
                    enrolledAt: t0, lastSeenAt: t0))
            let admin = try store.createAPIToken(name: "fuzz", role: .admin, now: t0).tokenString
            return Fixture(store: store, admin: admin)
        } catch {
            fatalError("host-report fixture: \(error)")
        }
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let report = try? Drover_V1_HostReport(serializedBytes: Array(bytes)) else { return }
        var inventory = FleetInventory()
        _ = inventory.hostConnected(
            hostID: "h-1", name: "web-1", address: "10.0.0.1", agentVersion: "1", labels: [:], now: t0)
        for step in Int64(0)..<4 {
            _ = inventory.hostReport(hostID: "h-1", report: report, now: t0 + step * 5_000)
        }
        let sample = HostSample(report: report, now: t0)
        for share in [sample.cpuBasisPoints, sample.memoryBasisPoints, sample.diskMaxBasisPoints] {
            precondition((0...10_000).contains(share), "host sample share \(share) outside 0...10000")
        }
        traffic(report)
        api(inventory)
    }

    /// The traffic-counter path: samples, window differences and a canary verdict.
    static func traffic(_ report: Drover_V1_HostReport) {
        guard let first = report.services.first else { return }
        let second = report.services.dropFirst().first ?? first
        let start = RolloutCoordinator.sample(first, report: report)
        let end = RolloutCoordinator.sample(second, report: report)
        for sample in [start, end] {
            for share in [sample.cpuBP, sample.memoryBP].compactMap({ $0 }) {
                precondition((0...10_000).contains(share), "traffic sample share \(share) outside 0...10000")
            }
            for counters in sample.versions.values {
                precondition(counters.latency.keys.allSatisfy { (0..<LatencyBuckets.count).contains($0) })
                precondition((0...10_000).contains(counters.errorRateBP))
            }
        }
        let versions = Array(Set(start.versions.keys).union(end.versions.keys)).sorted()
        let canary = versions.first ?? "v2"
        let stable = versions.dropFirst().first ?? "v1"
        let policy = AnalysisPolicy(minRequests: 1, maxP95Ratio: 1.5, maxCPUBP: 5_000, maxMemoryBP: 5_000)
        let analysis = CanaryAnalysis(policy: policy, canaryVersion: canary, stableVersion: stable)
        for canaryHosts in [["h-1"], []] {
            let result = analysis.judge(
                start: ["h-1": start], end: ["h-1": end, "h-2": start], canaryHosts: canaryHosts)
            if let share = result.canaryShareBP {
                precondition((0...10_000).contains(share), "canary share \(share) outside 0...10000")
            }
            precondition(result.canaryP95Microseconds.isFinite && result.stableP95Microseconds.isFinite)
            _ = RolloutText.analysis(result)
            // The result is persisted as JSON with the rollout: it must encode.
            do {
                _ = try JSONEncoder().encode(result)
            } catch {
                fatalError("an analysis result does not encode: \(error)")
            }
        }
    }

    /// The API's host list, host detail and metrics built from the reported figures.
    static func api(_ inventory: FleetInventory) {
        var configuration = APIServerConfiguration(tls: TLSConfiguration(role: .server))
        configuration.clock = { t0 + 20_000 }
        let router = DroverRouter(
            configuration: configuration, store: fixture.store, inventory: SharedFleetInventory(inventory),
            fleetControl: NoFleetControl())
        let headers = ["authorization": "Bearer \(fixture.admin)"]
        for target in ["/v1/hosts", "/v1/hosts/h-1?since_seconds=3600", "/metrics"] {
            let response = Blocking.run { await router.respond(to: APIRequest(method: "GET", target: target, headers: headers)) }
            precondition(response.status == 200, "GET \(target) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
            if target == "/metrics" {
                for line in String(decoding: response.body, as: UTF8.self).split(separator: "\n") {
                    precondition(line.hasPrefix("# ") || line.hasPrefix("drover_"), "metrics line \"\(line)\"")
                }
            } else {
                precondition((try? JSONSerialization.jsonObject(with: Data(response.body))) != nil, "GET \(target) is not JSON")
            }
        }
    }
}

/// A FleetControl with no sessions to cut (the fuzzed routes never remove a live host).
struct NoFleetControl: FleetControl {
    func disconnect(hostID: String) async {}
}
