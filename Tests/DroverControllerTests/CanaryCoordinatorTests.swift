import DroverAPI
import DroverController
import DroverRollout
import DroverStore
import DroverWire
import Foundation
import SwiftProtobuf
import Testing

/// A canary spec for service `web` (v1 must run first).
func canarySpec(
    _ tag: String, steps: String = "- {weight: 10, pause: 1m, hosts: 1}\n      - {weight: 50, pause: 1m}"
) -> String {
    """
    name: web
    image: localhost/web:\(tag)
    env: {GREETING: hello}
    ports: {container: 8080, public: 80}
    hosts: {labels: {role: web}}
    health:
      http: {path: /health, status: 200}
    update:
      strategy: canary
      max_parallel: 3
      canary:
        steps:
          \(steps)
        stickiness: {cookie: drover_canary}
      analysis: {interval: 30s, min_requests: 100, max_error_rate: 1%}
    """
}

/// One host's report with the service's cumulative counters per version.
func trafficReport(_ counters: [String: (requests: UInt64, errors: UInt64)]) -> Drover_V1_HostReport {
    var status = Drover_V1_ServiceStatus()
    status.service = "web"
    for (version, counts) in counters.sorted(by: { $0.key < $1.key }) {
        var traffic = Drover_V1_VersionTraffic()
        traffic.version = version
        traffic.requests = counts.requests
        traffic.errors = counts.errors
        // Every request in the 1–2 ms bucket region: fast enough for max_p95.
        traffic.latencyCount = counts.requests
        traffic.latencySumUs = counts.requests * 1_500
        traffic.latencyBucketIndex = [10]
        traffic.latencyBucketCount = [counts.requests]
        status.traffic.append(traffic)
    }
    var report = Drover_V1_HostReport()
    report.services = [status]
    return report
}

@Suite("Rollout coordinator: canary and blue-green")
struct CanaryCoordinatorTests {
    /// Commands of `kind` sent so far.
    func sent(_ harness: CoordinatorHarness, _ kind: Drover_V1_CommandKind) -> [RecordingDispatcher.Sent] {
        harness.dispatcher.sent.filter { $0.command.kind == kind }
    }

    func answerAll(_ harness: CoordinatorHarness, _ answered: inout Set<String>) {
        for sent in harness.dispatcher.sent
        where sent.command.kind != .confirm && answered.insert(sent.command.id).inserted {
            harness.accept(sent)
            harness.succeed(sent)
        }
    }

    @Test("a canary walks its steps on answers and traffic, then promotes; the first deploy rolls out")
    func canaryWalksAndPromotes() throws {
        let harness = try CoordinatorHarness()
        // A first deploy has no stable version to run beside: it rolls out.
        let first = try harness.coordinator.deploy(specText: canarySpec("v1"), fileName: "web.yaml")
        #expect(first.strategy == "rolling")
        try harness.driveToEnd(first.id)

        let summary = try harness.coordinator.deploy(specText: canarySpec("v2"), fileName: "web.yaml")
        #expect(summary.strategy == "canary" && summary.canaryWeightBp == 1_000)
        // Step 1: one host gets a canary SWAP at 10 %.
        let swaps = sent(harness, .swap).filter { (try? harness.payload($0).canary) == true }
        #expect(swaps.count == 1)
        let canary = try harness.payload(try #require(swaps.first))
        #expect(canary.version == "v2" && canary.canaryWeightBp == 1_000 && canary.stickiness.name == "drover_canary")
        var answered = Set(
            harness.dispatcher.sent.filter { $0.command.kind == .confirm || $0.command.id.hasPrefix(first.id) }.map(
                \.command.id))
        answerAll(harness, &answered)
        let host = try #require(swaps.first?.host)
        // Traffic: 1,000 stable and 200 canary requests, no errors, over the window.
        harness.coordinator.hostReported(
            hostID: host, report: trafficReport(["v1": (0, 0), "v2": (0, 0)]), receivedAt: harness.now)
        harness.advance(30_000)
        harness.coordinator.hostReported(
            hostID: host, report: trafficReport(["v1": (900, 0), "v2": (100, 0)]), receivedAt: harness.now)
        harness.advance(30_000)
        harness.coordinator.hostReported(
            hostID: host, report: trafficReport(["v1": (1_800, 0), "v2": (200, 0)]), receivedAt: harness.now)
        harness.advance(1_000)
        // Step 2: 50 % everywhere: the live host gets SET_WEIGHTS, the others a canary SWAP.
        let detail = try harness.coordinator.rollout(summary.id)
        let steps = try #require(detail.steps)
        #expect(steps.count == 2, "\(detail.log.map(\.message))")
        #expect(steps.first?.analyses.contains { $0.verdict == "pass" } == true)
        #expect(steps.first?.measuredShareBp == 1_000)
        let weights = sent(harness, .setWeights)
        #expect(weights.count == 1 && weights.first?.host == host)
        let payload = try Drover_V1_WeightsPayload(serializedBytes: try #require(weights.first).command.payload)
        #expect(payload.canaryVersion == "v2" && payload.canaryWeightBp == 5_000)

        // An operator holds the canary at 25 % everywhere.
        answerAll(harness, &answered)
        let held = try harness.coordinator.canary(service: "web", .percent(25))
        #expect(held.phase == "holding" && held.canaryWeightBp == 2_500)
        let heldWeights = sent(harness, .setWeights).filter {
            (try? Drover_V1_WeightsPayload(serializedBytes: $0.command.payload).canaryWeightBp) == 2_500
        }
        #expect(Set(heldWeights.map(\.host)) == Set(harness.hosts))
        answerAll(harness, &answered)

        // Promote: every host gets a plain SWAP to v2 (the agent promotes its canary).
        _ = try harness.coordinator.canary(service: "web", .promote)
        for _ in 0..<5 {
            answerAll(harness, &answered)
            harness.advance(1_000)
        }
        let done = try harness.coordinator.rollout(summary.id)
        #expect(done.summary.phase == "succeeded", "\(done.log.map(\.message))")
        #expect(try harness.store.service(named: "web")?.currentVersion == "v2")
        #expect(Set(harness.confirms.filter { $0.command.id.hasPrefix(summary.id) }.map(\.host)) == Set(harness.hosts))
    }

    @Test("a canary with 5 % errors is rolled back at once: the canary is removed, stable stays")
    func failingCanaryRollsBack() throws {
        let harness = try CoordinatorHarness()
        try harness.driveToEnd(try harness.coordinator.deploy(specText: canarySpec("v1"), fileName: "web.yaml").id)
        let summary = try harness.coordinator.deploy(
            specText: canarySpec("v2", steps: "- {weight: 20, pause: 5m}"), fileName: "web.yaml")
        var answered = Set(harness.dispatcher.sent.map(\.command.id).filter { !$0.hasPrefix(summary.id) })
        answerAll(harness, &answered)
        for host in harness.hosts {
            harness.coordinator.hostReported(
                hostID: host, report: trafficReport(["v1": (0, 0), "v2": (0, 0)]), receivedAt: harness.now)
        }
        harness.advance(30_000)
        for host in harness.hosts {
            harness.coordinator.hostReported(
                hostID: host, report: trafficReport(["v1": (800, 0), "v2": (200, 10)]), receivedAt: harness.now)
        }
        // The next analysis judges the interval since the previous one: 30 errors in 600 requests.
        harness.advance(30_000)
        let rollingBack = try harness.coordinator.rollout(summary.id)
        #expect(rollingBack.summary.phase == "rolling_back", "\(rollingBack.log.map(\.message))")
        #expect(rollingBack.why?.signal == "analysis")
        // Each host gets a ROLLBACK to v1 (the agent drops the canary), answered: rolled back.
        let reverts = harness.dispatcher.sent.filter {
            $0.command.kind == .rollback && $0.command.id.hasPrefix(summary.id)
        }
        #expect(Set(reverts.map(\.host)) == Set(harness.hosts))
        #expect(try reverts.allSatisfy { try harness.payload($0).version == "v1" })
        answerAll(harness, &answered)
        harness.advance(1)
        let done = try harness.coordinator.rollout(summary.id)
        #expect(done.summary.phase == "rolled_back", "\(done.log.map(\.message))")
        #expect(try harness.store.service(named: "web")?.currentVersion == "v1")
        #expect(done.steps?.first?.analyses.last?.verdict == "fail")
    }

    @Test("no traffic stays inconclusive and never promotes; the state survives a controller restart")
    func noTrafficIsInconclusiveAndResumes() throws {
        let harness = try CoordinatorHarness()
        try harness.driveToEnd(try harness.coordinator.deploy(specText: canarySpec("v1"), fileName: "web.yaml").id)
        let summary = try harness.coordinator.deploy(
            specText: canarySpec("v2", steps: "- {weight: 10, pause: 1m}"), fileName: "web.yaml")
        var answered = Set(harness.dispatcher.sent.map(\.command.id).filter { !$0.hasPrefix(summary.id) })
        answerAll(harness, &answered)
        for _ in 0..<6 { harness.advance(30_000) }
        let paused = try harness.coordinator.rollout(summary.id)
        #expect(paused.summary.phase == "paused", "\(paused.log.map(\.message))")
        #expect(paused.steps?.first?.analyses.allSatisfy { $0.verdict == "inconclusive" } == true)
        #expect(
            sent(harness, .swap).filter {
                (try? harness.payload($0).canary) == false && $0.command.id.hasPrefix(summary.id)
            }.isEmpty)

        try harness.restart()
        let resumed = try harness.coordinator.rollout(summary.id)
        #expect(resumed.summary.phase == "paused" && resumed.summary.strategy == "canary")
        #expect(resumed.hosts.allSatisfy { $0.status == "live" })
        // A weight by hand still works after the restart; the agents get SET_WEIGHTS.
        _ = try harness.coordinator.canary(service: "web", .percent(50))
        #expect(Set(sent(harness, .setWeights).map(\.host)) == Set(harness.hosts))
        // Abort: back to stable.
        answerAll(harness, &answered)
        _ = try harness.coordinator.canary(service: "web", .abort)
        answerAll(harness, &answered)
        harness.advance(1)
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "rolled_back")
    }

    @Test("canary commands are refused with clear reasons")
    func canaryRefusals() throws {
        let harness = try CoordinatorHarness()
        #expect(
            coordinatorError { _ = try harness.coordinator.canary(service: "web", .promote) } == .serviceNotFound("web")
        )
        let rolling = try harness.coordinator.deploy(specText: webSpec("v1"), fileName: "web.yaml")
        let refused = coordinatorError { _ = try harness.coordinator.canary(service: "web", .percent(10)) }
        #expect(refused?.description.contains("is a rolling rollout") == true)
        try harness.driveToEnd(rolling.id)
        let none = coordinatorError { _ = try harness.coordinator.canary(service: "web", .percent(10)) }
        #expect(none?.description.contains("no canary or blue-green rollout of web is in progress") == true)
        _ = try harness.coordinator.deploy(specText: canarySpec("v2"), fileName: "web.yaml")
        let bad = coordinatorError { _ = try harness.coordinator.canary(service: "web", .percent(120)) }
        #expect(bad?.description.contains("from 0 to 100") == true)
    }
}
