import DroverAPI
import DroverController
import DroverRollout
import DroverWire
import Foundation
import SwiftProtobuf
import Testing

@testable import DroverStore

@Suite("Rollout coordinator")
struct RolloutCoordinatorTests {
    @Test("a 3-host rolling deploy v1 → v2 succeeds, max_parallel at a time, with the v2 spec in every swap")
    func rollingDeploy() throws {
        let harness = try CoordinatorHarness()
        let first = try harness.deployAndFinish("v1")
        #expect(first.fromVersion == "none")
        #expect(first.phase == "succeeded")
        #expect(try harness.store.service(named: "web")?.currentVersion == "v1")
        let before = harness.swaps.count

        let summary = try harness.coordinator.deploy(specText: webSpec("v2"), fileName: "web.yaml")
        #expect(summary.fromVersion == "v1")
        #expect(summary.toVersion == "v2")
        #expect(summary.kind == "deploy")
        #expect(summary.hostCount == 3)
        // max_parallel 2: the first two hosts in name order get commands, the third waits.
        var sent = Array(harness.swaps.dropFirst(before))
        #expect(sent.map(\.host) == ["h-1", "h-2"])
        let swap = sent[0]
        #expect(swap.command.kind == .swap)
        #expect(swap.command.id == "\(summary.id)/h-1/1")
        #expect(swap.command.attempt == 1)
        // healthy_deadline 5m + drain 30s + stop_grace 10s + 60s margin.
        #expect(swap.command.deadlineUnixMs == harness.now + 300_000 + 30_000 + 10_000 + 60_000)
        let payload = try harness.payload(swap)
        #expect(payload.rolloutID == summary.id)
        #expect(payload.service == "web")
        #expect(payload.version == "v2")
        #expect(payload.image == "localhost/web:v2")
        #expect(payload.engine == .docker)
        #expect(payload.env == ["GREETING": "hello"])
        #expect(payload.containerPort == 8080 && payload.publicPort == 80)
        #expect(payload.instances == 1)
        #expect(payload.health.http.path == "/health" && payload.health.http.status == 200)
        #expect(payload.health.intervalMs == 5_000 && payload.health.healthyThreshold == 2)
        #expect(
            payload.healthyDeadlineMs == 300_000 && payload.drainTimeoutMs == 30_000 && payload.stopGraceMs == 10_000)
        #expect(!payload.revert)

        for command in sent {
            harness.accept(command)
            harness.succeed(command)
        }
        harness.advance(9_999)
        #expect(harness.swaps.count == before + 2)  // min_healthy_time not over yet
        harness.advance(1)
        sent = Array(harness.swaps.dropFirst(before))
        #expect(sent.map(\.host) == ["h-1", "h-2", "h-3"])
        try harness.driveToEnd(summary.id)

        let detail = try harness.coordinator.rollout(summary.id)
        #expect(detail.summary.phase == "succeeded")
        #expect(detail.summary.outcome == "web runs v2 on 3 hosts")
        #expect(detail.summary.updatedCount == 3)
        #expect(detail.maxParallel == 2)
        #expect(detail.hosts.map(\.host) == ["h-1", "h-2", "h-3"])
        #expect(detail.hosts.allSatisfy { $0.status == "updated" && $0.version == "v2" && $0.attempt == 1 })
        #expect(detail.log.contains { $0.host == "h-3" && $0.message.contains("runs v2") })
        #expect(try harness.store.service(named: "web")?.currentVersion == "v2")
        let confirms = harness.confirms.suffix(3)
        #expect(confirms.map(\.host).sorted() == ["h-1", "h-2", "h-3"])
        let confirm = try Drover_V1_ConfirmPayload(serializedBytes: try #require(confirms.first).command.payload)
        #expect(confirm.service == "web" && confirm.version == "v2")
        let events = try harness.store.listEvents(EventQuery(limit: 100, kindPrefix: "rollout.host-updated"))
        #expect(events.count == 6)
        #expect(events.first?.details["rollout.id"] == summary.id)

        let services = try harness.coordinator.services()
        #expect(services.map(\.name) == ["web"])
        #expect(services.first?.currentVersion == "v2")
        #expect(services.first?.hosts == ["h-1", "h-2", "h-3"])
        #expect(services.first?.engine == "docker")
        #expect(services.first?.publicPort == 80)
        #expect(services.first?.activeRollout == nil)
        let history = try harness.coordinator.history(service: "web")
        #expect(history.currentVersion == "v2")
        #expect(history.versions.map(\.version) == ["v2", "v1"])
        #expect(history.versions.first?.workload == "localhost/web:v2")
        #expect(history.rollouts.map(\.toVersion) == ["v2", "v1"])
    }

    @Test("a failing health result rolls every touched host back, with the why")
    func automaticRollback() throws {
        let harness = try CoordinatorHarness()
        try harness.deployAndFinish("v1")
        let before = harness.swaps.count
        let summary = try harness.coordinator.deploy(specText: webSpec("v2"), fileName: "web.yaml")
        let sent = Array(harness.swaps.dropFirst(before))
        harness.accept(sent[0])
        harness.succeed(sent[0])
        harness.accept(sent[1])
        harness.advance(2_000)
        harness.fail(sent[1], observed: "3 failed checks: HTTP 500", threshold: "health.unhealthy_threshold 3")

        let reverts = Array(harness.swaps.dropFirst(before + 2))
        #expect(reverts.map(\.host) == ["h-1", "h-2"])
        for revert in reverts {
            #expect(revert.command.kind == .rollback)
            let payload = try harness.payload(revert)
            #expect(payload.revert)
            #expect(payload.version == "v1")
            #expect(payload.image == "localhost/web:v1")
        }
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "rolling_back")
        #expect(try harness.coordinator.rollout(summary.id).rollbackDeadlineAt == harness.now + 300_000)
        harness.advance(1_500)
        for revert in reverts {
            harness.accept(revert)
            harness.succeed(revert)
        }

        let detail = try harness.coordinator.rollout(summary.id)
        #expect(detail.summary.phase == "rolled_back")
        #expect(detail.summary.outcome?.hasPrefix("rolled back: host h-2: unhealthy") == true)
        #expect(detail.summary.rollbackDurationMs == 1_500)
        let why = try #require(detail.why)
        #expect(why.host == "h-2")
        #expect(why.signal == "unhealthy")
        #expect(why.observed == "3 failed checks: HTTP 500")
        #expect(why.threshold == "health.unhealthy_threshold 3")
        #expect(why.revertedHosts == ["h-1", "h-2"])
        #expect(why.skippedHosts == ["h-3"])
        #expect(why.targetVersion == "v1")
        #expect(try harness.store.service(named: "web")?.currentVersion == "v1")
        let stored = try #require(try harness.store.rollout(id: summary.id))
        #expect(stored.rollbackDurationMs == 1_500)
        #expect(stored.reportJSON?.contains("HTTP 500") == true)
        #expect(try harness.store.listEvents(EventQuery(kindPrefix: "rollout.rollback-started")).count == 1)
    }

    @Test("a duplicate result is applied once and results for stale or unknown ids are ignored")
    func duplicateAndStale() throws {
        let harness = try CoordinatorHarness()
        try harness.deployAndFinish("v1")
        let before = harness.swaps.count
        let summary = try harness.coordinator.deploy(specText: webSpec("v2"), fileName: "web.yaml")
        let sent = Array(harness.swaps.dropFirst(before))
        harness.accept(sent[0])
        harness.succeed(sent[0])
        let healthySince = try harness.persisted(summary.id).hosts.first?.healthySince
        #expect(healthySince == harness.now)
        harness.advance(5_000)
        // The same result again (after a reconnect) and as a DUPLICATE ack: no change.
        harness.succeed(sent[0])
        var duplicate = Drover_V1_CommandAck()
        duplicate.commandID = sent[0].command.id
        duplicate.status = .duplicate
        duplicate.result.commandID = sent[0].command.id
        duplicate.result.outcome = .failed
        duplicate.result.details = ["observed": "late", "threshold": "x"]
        harness.coordinator.acknowledged(hostID: "h-1", duplicate)
        #expect(try harness.persisted(summary.id).hosts.first?.healthySince == healthySince)
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "running")
        // A failure for an id no rollout issued, and for an earlier attempt: ignored.
        var stale = Drover_V1_CommandResult()
        stale.commandID = "\(summary.id)/h-2/0"
        stale.outcome = .failed
        stale.details = ["observed": "old", "threshold": "old"]
        harness.coordinator.received(hostID: "h-2", stale)
        stale.commandID = "r-unknown/h-2/1"
        harness.coordinator.received(hostID: "h-2", stale)
        // Another host cannot answer for h-2.
        var spoofed = stale
        spoofed.commandID = sent[1].command.id
        harness.coordinator.received(hostID: "h-3", spoofed)
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "running")
        harness.advance(5_000)
        #expect(try harness.coordinator.rollout(summary.id).hosts.first?.status == "updated")
        try harness.driveToEnd(summary.id)
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "succeeded")
    }

    @Test("a restarted controller resumes the rollout, re-delivers with the same id, and finishes")
    func restart() throws {
        let harness = try CoordinatorHarness()
        try harness.deployAndFinish("v1")
        let before = harness.swaps.count
        let summary = try harness.coordinator.deploy(specText: webSpec("v2"), fileName: "web.yaml")
        let sent = Array(harness.swaps.dropFirst(before))
        harness.accept(sent[0])
        harness.succeed(sent[0])
        harness.accept(sent[1])
        harness.advance(10_000)  // h-1 updated, h-3 gets its swap, h-2 still swapping
        let inFlight = Array(harness.swaps.dropFirst(before)).filter { $0.host != "h-1" }
        #expect(inFlight.map(\.host) == ["h-2", "h-3"])

        try harness.restart()
        let redelivered = harness.swaps
        #expect(redelivered.map(\.host) == ["h-2", "h-3"])
        #expect(redelivered.map(\.command.id) == inFlight.map(\.command.id))
        #expect(redelivered.allSatisfy { $0.command.attempt == 2 })
        #expect(try harness.coordinator.rollout(summary.id).hosts.first?.status == "updated")
        #expect(
            try harness.coordinator.rollout(summary.id).log.contains { $0.message.contains("controller restarted") })
        try harness.driveToEnd(summary.id)
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "succeeded")
        #expect(try harness.store.service(named: "web")?.currentVersion == "v2")
        // The log spans both controller runs: the first run's lines come from the event log.
        let log = try harness.coordinator.rollout(summary.id).log
        #expect(log.first?.message.hasPrefix("deploy of web v1 → v2 created for 3 hosts") == true)
        #expect(log.contains { $0.host == "h-1" && $0.message.contains("runs v2") })
        #expect(log.last?.message.hasPrefix("rollout succeeded") == true)
        #expect(log.map(\.at) == log.map(\.at).sorted())
    }

    @Test("a host lost mid-swap rolls back; when it is back it gets its revert")
    func hostLostMidSwap() throws {
        let harness = try CoordinatorHarness()
        try harness.deployAndFinish("v1")
        let before = harness.swaps.count
        let summary = try harness.coordinator.deploy(specText: webSpec("v2"), fileName: "web.yaml")
        let sent = Array(harness.swaps.dropFirst(before))
        harness.accept(sent[0])
        harness.dispatcher.setOffline(["h-1"])
        harness.coordinator.inventoryTransitions([InventoryEventFixture.lost("h-1", at: harness.now)])
        let detail = try harness.coordinator.rollout(summary.id)
        #expect(detail.summary.phase == "rolling_back")
        #expect(detail.why?.signal == "hostLost")
        #expect(detail.why?.host == "h-1")
        // h-2 is reverted now; lost h-1 gets its revert when it is back.
        var reverts = Array(harness.swaps.dropFirst(before + 2))
        #expect(reverts.map(\.host) == ["h-2"])
        harness.accept(reverts[0])
        harness.succeed(reverts[0])
        harness.dispatcher.setOffline([])
        harness.advance(3_000)
        harness.coordinator.inventoryTransitions([InventoryEventFixture.connected("h-1", at: harness.now)])
        reverts = Array(harness.swaps.dropFirst(before + 2))
        #expect(reverts.map(\.host) == ["h-2", "h-1"])
        let back = reverts[1]
        #expect(back.command.kind == .rollback)
        #expect(back.command.attempt == 1)
        harness.succeed(back)
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "rolled_back")
    }

    @Test("hostBack on a new session re-delivers the outstanding command with the same id and attempt + 1")
    func hostBackRedelivers() throws {
        let harness = try CoordinatorHarness()
        let summary = try harness.coordinator.deploy(specText: webSpec("v1", maxParallel: "1"), fileName: "web.yaml")
        let first = try #require(harness.swaps.first)
        #expect(first.command.attempt == 1)
        harness.accept(first)
        harness.coordinator.hostBack("h-1")
        let again = try #require(harness.swaps.last)
        #expect(harness.swaps.count == 2)
        #expect(again.command.id == first.command.id)
        #expect(again.command.attempt == 2)
        #expect(again.command.payload == first.command.payload)
        #expect(again.command.deadlineUnixMs == first.command.deadlineUnixMs)
        // A delivery failure is retried on the next tick, again with the same id.
        harness.coordinator.failed(hostID: "h-1", commandID: first.command.id, reason: "connection closed")
        harness.advance(1_000)
        #expect(harness.swaps.count == 3)
        #expect(harness.swaps.last?.command.id == first.command.id)
        #expect(harness.swaps.last?.command.attempt == 3)
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "running")
    }

    @Test("invalid specs, no matching host, an exceeded rollback budget and a second rollout are refused")
    func refusals() throws {
        let harness = try CoordinatorHarness()
        let invalid = coordinatorError {
            _ = try harness.coordinator.deploy(specText: "name: web\nimage: localhost/web:v1\n", fileName: "web.yaml")
        }
        guard case .invalidSpec(let errors) = invalid else {
            Issue.record("expected invalidSpec, got \(String(describing: invalid))")
            return
        }
        #expect(errors.errors.contains { $0.file == "web.yaml" && $0.field == "ports" })
        #expect(invalid?.description.contains("web.yaml") == true)

        let noHost = coordinatorError {
            _ = try harness.coordinator.deploy(
                specText: webSpec("v1").replacingOccurrences(of: "role: web", with: "role: cache"), fileName: "web.yaml"
            )
        }
        #expect(noHost?.description == "web.yaml: hosts.labels: no ready host has the labels role=cache")
        harness.availability.set(["h-db"])
        let notReady = coordinatorError {
            _ = try harness.coordinator.deploy(specText: webSpec("v1"), fileName: "web.yaml")
        }
        #expect(
            notReady?.description
                == "web.yaml: hosts.labels: no ready host has the labels role=web (3 matching hosts are not connected)")
        harness.availability.set(["h-1", "h-2", "h-3"])

        let budget = coordinatorError {
            _ = try harness.coordinator.deploy(
                specText: webSpec("v1").replacingOccurrences(
                    of: "min_healthy_time: 10s", with: "min_healthy_time: 10s, drain_timeout: 10m"),
                fileName: "web.yaml")
        }
        guard case .rollbackBudgetExceeded = budget else {
            Issue.record("expected rollbackBudgetExceeded, got \(String(describing: budget))")
            return
        }
        #expect(budget?.description.contains("update.drain_timeout") == true)
        #expect(budget?.description.contains("over the 5m limit") == true)
        #expect(try harness.store.listServices().isEmpty)

        let running = try harness.coordinator.deploy(specText: webSpec("v1"), fileName: "web.yaml")
        let second = coordinatorError {
            _ = try harness.coordinator.deploy(specText: webSpec("v2"), fileName: "web.yaml")
        }
        #expect(second == .rolloutInProgress(service: "web", rolloutID: running.id))
        #expect(second?.description.contains(running.id) == true)
        try harness.driveToEnd(running.id)
        let same = coordinatorError {
            _ = try harness.coordinator.deploy(specText: webSpec("v1"), fileName: "web.yaml")
        }
        #expect(same == .alreadyRunning(service: "web", version: "v1"))
        try harness.deployAndFinish("v2")
        let conflict = coordinatorError {
            _ = try harness.coordinator.deploy(
                specText: webSpec("v1").replacingOccurrences(of: "GREETING: hello", with: "GREETING: bye"),
                fileName: "web.yaml")
        }
        #expect(conflict == .versionConflict(service: "web", version: "v1"))
        #expect(conflict?.description.contains("new version") == true)
        #expect(coordinatorError { _ = try harness.coordinator.pause("r-nope") } == .rolloutNotFound("r-nope"))
        #expect(
            coordinatorError { _ = try harness.coordinator.pause(running.id) }
                == .commandRejected(command: "pause", reason: "the rollout has finished"))
    }

    @Test("pause holds new hosts back, resume continues, abort leaves hosts as they are")
    func operatorCommands() throws {
        let harness = try CoordinatorHarness()
        let summary = try harness.coordinator.deploy(specText: webSpec("v1", maxParallel: "1"), fileName: "web.yaml")
        #expect(try harness.coordinator.pause(summary.id).phase == "paused")
        let first = try #require(harness.swaps.first)
        harness.accept(first)
        harness.succeed(first)
        harness.advance(20_000)
        #expect(harness.swaps.count == 1)
        #expect(try harness.coordinator.resume(summary.id).phase == "running")
        #expect(harness.swaps.count == 2)
        let aborted = try harness.coordinator.abort(summary.id)
        #expect(aborted.phase == "aborted")
        #expect(aborted.outcome == "aborted by an operator; hosts were left as they were")
        #expect(try harness.store.service(named: "web")?.currentVersion == nil)
    }

    @Test("a manual rollback with no rollout running swaps every host back to the previous version at once")
    func manualRollback() throws {
        let harness = try CoordinatorHarness()
        try harness.deployAndFinish("v1")
        try harness.deployAndFinish("v2")
        let before = harness.swaps.count
        let summary = try harness.coordinator.rollback(service: "web", to: nil)
        #expect(summary.kind == "rollback")
        #expect(summary.fromVersion == "v2")
        #expect(summary.toVersion == "v1")
        let sent = Array(harness.swaps.dropFirst(before))
        #expect(sent.map(\.host) == ["h-1", "h-2", "h-3"])
        for command in sent {
            #expect(command.command.kind == .rollback)
            let payload = try harness.payload(command)
            #expect(payload.revert)
            #expect(payload.version == "v1")
            #expect(payload.image == "localhost/web:v1")
            harness.accept(command)
            harness.succeed(command)
        }
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "succeeded")
        #expect(try harness.store.service(named: "web")?.currentVersion == "v1")
        #expect(
            try harness.coordinator.history(service: "web").rollouts.map(\.kind) == ["rollback", "deploy", "deploy"])
        // Named target not in the history.
        #expect(
            coordinatorError { _ = try harness.coordinator.rollback(service: "web", to: "v9") }
                == .versionNotFound(service: "web", version: "v9"))
        #expect(
            coordinatorError { _ = try harness.coordinator.rollback(service: "api", to: nil) }
                == .serviceNotFound("api"))
    }

    @Test(
        "results are not confirmed by re-delivering commands: the CONFIRM at the end confirms them, on every touched host (§7.3)"
    )
    func resultConfirmation() async throws {
        let harness = try CoordinatorHarness()
        try harness.deployAndFinish("v1")
        let before = harness.swaps.count
        let summary = try harness.coordinator.deploy(specText: webSpec("v2", maxParallel: "1"), fileName: "web.yaml")
        let first = try #require(harness.swaps.dropFirst(before).first)
        harness.accept(first)
        var result = Drover_V1_CommandResult()
        result.commandID = first.command.id
        result.outcome = .succeeded
        await harness.coordinator.commandResult(hostID: "h-1", result)
        #expect(harness.swaps.count == before + 1, "no command delivered again to confirm the result")
        // A result re-sent after a reconnect is applied once: nothing changes.
        let stored = try harness.persisted(summary.id)
        await harness.coordinator.commandResult(hostID: "h-1", result)
        #expect(try harness.persisted(summary.id) == stored)
        #expect(try harness.coordinator.rollout(summary.id).hosts.first?.status == "stabilizing")
        // A later host fails: the rollback ends the rollout, and each touched host hears it is over.
        harness.advance(10_000)
        let second = try #require(harness.swaps.last)
        #expect(second.host == "h-2")
        harness.accept(second)
        harness.fail(second, observed: "3 failed checks", threshold: "3")
        for revert in harness.swaps.dropFirst(before + 2) {
            harness.accept(revert)
            harness.succeed(revert)
        }
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "rolled_back")
        let confirms = try harness.confirms.suffix(3).map {
            ($0.host, try Drover_V1_ConfirmPayload(serializedBytes: $0.command.payload))
        }
        #expect(confirms.map(\.0) == ["h-1", "h-2", "h-3"])
        #expect(confirms.allSatisfy { $0.1.service == "web" && $0.1.version == "v1" })
    }

    @Test("a failed first deploy goes back to nothing: no command where the swap failed, STOP where it ran")
    func firstDeployRollback() throws {
        let harness = try CoordinatorHarness()
        let summary = try harness.coordinator.deploy(specText: webSpec("v1"), fileName: "web.yaml")
        let sent = harness.swaps
        #expect(sent.map(\.host) == ["h-1", "h-2"])
        harness.accept(sent[0])
        harness.succeed(sent[0])
        harness.accept(sent[1])
        harness.fail(sent[1], observed: "3 failed checks", threshold: "health.unhealthy_threshold 3")
        let stops = harness.dispatcher.sent.filter { $0.command.kind == .stop }
        #expect(stops.map(\.host) == ["h-1"])
        let payload = try harness.payload(stops[0])
        #expect(payload.service == "web" && payload.version == "none" && payload.revert)
        var detail = try harness.coordinator.rollout(summary.id)
        #expect(detail.hosts.map(\.status) == ["reverting", "reverted", "pending"])
        #expect(detail.log.contains { $0.host == "h-2" && $0.message.contains("nothing to stop") })
        harness.accept(stops[0])
        harness.succeed(stops[0])
        detail = try harness.coordinator.rollout(summary.id)
        #expect(detail.summary.phase == "rolled_back")
        #expect(detail.why?.targetVersion == "none")
        #expect(try harness.store.service(named: "web")?.currentVersion == nil)
        // Nothing settled: the touched hosts get a CONFIRM with no version (their results are confirmed).
        let confirms = try harness.confirms.map {
            ($0.host, try Drover_V1_ConfirmPayload(serializedBytes: $0.command.payload))
        }
        #expect(confirms.map(\.0) == ["h-1", "h-2"])
        #expect(confirms.allSatisfy { $0.1.service == "web" && $0.1.version.isEmpty })
    }

    @Test("a stored rollout that cannot be restored does not keep the others from resuming")
    func resumeSkipsBrokenRollout() throws {
        let harness = try CoordinatorHarness()
        let summary = try harness.coordinator.deploy(specText: webSpec("v1", maxParallel: "1"), fileName: "web.yaml")
        try harness.store.recordServiceVersion(
            ServiceVersionRecord(service: "api", version: "v1", specJSON: "{}", createdAt: t0))
        try harness.store.insertRollout(
            RolloutRecord(
                id: "r-broken", service: "api", fromVersion: "none", toVersion: "v1", kind: .deploy, stateJSON: "{}",
                phase: "running", createdAt: t0 - 1, updatedAt: t0 - 1))
        try harness.restart()
        #expect(harness.swaps.map(\.command.id) == ["\(summary.id)/h-1/1"])
        try harness.driveToEnd(summary.id)
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "succeeded")
    }

    @Test("the state stored in parts equals the machine's after every step, and across a restart")
    func hostRowsFollowTheMachine() throws {
        let harness = try CoordinatorHarness()
        try harness.deployAndFinish("v1")
        let before = harness.swaps.count
        let summary = try harness.coordinator.deploy(specText: webSpec("v2", maxParallel: "1"), fileName: "web.yaml")
        var sent = Array(harness.swaps.dropFirst(before))
        #expect(sent.map(\.host) == ["h-1"])
        var stored = try harness.persisted(summary.id)
        #expect(stored.hosts.map(\.status) == [.swapping, .pending, .pending])
        harness.accept(sent[0])
        harness.succeed(sent[0])
        stored = try harness.persisted(summary.id)
        #expect(stored.hosts.map(\.status) == [.stabilizing, .pending, .pending])
        harness.advance(10_000)
        sent = Array(harness.swaps.dropFirst(before))
        stored = try harness.persisted(summary.id)
        #expect(stored.hosts.map(\.status) == [.updated, .swapping, .pending])
        #expect(stored.hosts[1].commandID == sent.last?.command.id)
        // A restart restores exactly the stored hosts and goes on from there.
        try harness.restart()
        #expect(try harness.persisted(summary.id) == stored)
        #expect(harness.swaps.map(\.host) == ["h-2"])
        try harness.driveToEnd(summary.id)
        #expect(try harness.persisted(summary.id).hosts.map(\.status) == [.updated, .updated, .updated])
        #expect(try harness.store.rolloutParts(id: summary.id).isEmpty)
    }

    @Test("a rollout stored whole (before parts existed) resumes, and its next transition writes every part")
    func resumeLegacyWholeState() throws {
        let harness = try CoordinatorHarness()
        try harness.deployAndFinish("v1")
        let before = harness.swaps.count
        let summary = try harness.coordinator.deploy(specText: webSpec("v2", maxParallel: "1"), fileName: "web.yaml")
        let first = try #require(harness.swaps.dropFirst(before).first)
        // Rewrite the rollout as an older controller stored it: one JSON document, no parts.
        let whole = try harness.persisted(summary.id)
        var record = try #require(try harness.store.rollout(id: summary.id))
        record.stateJSON = try whole.jsonText()
        try harness.store.executeRaw("DELETE FROM rollout_parts")
        try harness.store.updateRollout(record)
        try harness.restart()
        #expect(harness.swaps.map(\.command.id) == [first.command.id])
        #expect(try harness.coordinator.rollout(summary.id).hosts.map(\.status) == ["swapping", "pending", "pending"])
        harness.accept(harness.swaps[0])
        harness.succeed(harness.swaps[0])
        #expect(try harness.store.rolloutParts(id: summary.id).count == 5)
        #expect(try harness.persisted(summary.id).hosts.map(\.status) == [.stabilizing, .pending, .pending])
        try harness.driveToEnd(summary.id)
        #expect(try harness.coordinator.rollout(summary.id).summary.phase == "succeeded")
    }
}
