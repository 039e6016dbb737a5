import DroverRollout
import Testing

@Suite("Rollback")
struct RollbackTests {
    /// 10 hosts, 2 at a time; h1 and h2 updated, h3 and h4 in flight at t0 + 10 s.
    func secondWave() -> RolloutHarness {
        var harness = RolloutHarness(plan(hosts: 10, maxParallel: 2))
        harness.send(.start)
        harness.completeWave()
        #expect(harness.swaps.map(\.host) == ["h1", "h2", "h3", "h4"])
        return harness
    }

    @Test("a failed health check reverts the touched hosts only, all at once, with a why report")
    func unhealthyRollsBackTouchedHosts() {
        var harness = secondWave()
        harness.host("h3", .instanceHealthy(commandID: "r1/h3/1"))
        harness.advance(by: 2_000)
        let actions = harness.host(
            "h4", .instanceUnhealthy(commandID: "r1/h4/1", observed: "3 failed checks: HTTP 500", threshold: "health.unhealthy_threshold 3"))

        let reverts = RolloutHarness.reverts(actions)
        #expect(reverts.map(\.host) == ["h1", "h2", "h3", "h4"], "every touched host in one batch of actions")
        #expect(reverts.allSatisfy { $0.version == "v1" })
        #expect(reverts.map(\.id) == ["r1/h1/2", "r1/h2/2", "r1/h3/2", "r1/h4/2"])
        #expect(harness.state.phase == .rollingBack)
        let report = harness.startedRollback
        #expect(report?.host == "h4")
        #expect(report?.signal == .unhealthy)
        #expect(report?.observed == "3 failed checks: HTTP 500")
        #expect(report?.threshold == "health.unhealthy_threshold 3")
        #expect(report?.revertedHosts == ["h1", "h2", "h3", "h4"])
        #expect(report?.skippedHosts == ["h5", "h6", "h7", "h8", "h9", "h10"])
        #expect(report?.action == "reverting 4 hosts to v1 in parallel; skipped 6 untouched hosts")
        #expect(report?.startedAt == t0 + 12_000)

        // Nothing new starts, min_healthy_time is skipped: each host is back when healthy.
        harness.advance(by: 3_000)
        for host in ["h1", "h2", "h3"] {
            harness.host(host, .instanceHealthy(commandID: harness.commandID(host)))
        }
        #expect(harness.machine.outcome == nil)
        let last = harness.host("h4", .instanceHealthy(commandID: "r1/h4/2"))
        guard case .rolledBack(let done) = RolloutHarness.finished(last) else {
            Issue.record("expected rolledBack, got \(String(describing: RolloutHarness.finished(last)))")
            return
        }
        #expect(done.durationMilliseconds == 3_000)
        #expect(done.action == "reverted 4 hosts to v1 in parallel; skipped 6 untouched hosts")
        #expect(harness.state.rollback == done)
        #expect(harness.swaps.count == 4, "no host after the failure was started")
        #expect(harness.state.hosts.prefix(4).allSatisfy { $0.status == .reverted && $0.version == "v1" })
        #expect(harness.state.hosts.dropFirst(4).allSatisfy { $0.status == .pending && !$0.touched })
        #expect(done.description.hasPrefix("host h4: unhealthy (observed 3 failed checks: HTTP 500; threshold health.unhealthy_threshold 3): reverted 4 hosts"))
    }

    @Test("a swap the agent could not carry out rolls back")
    func swapFailed() {
        var harness = RolloutHarness(plan(hosts: 3))
        harness.send(.start)
        let actions = harness.host("h1", .swapFailed(commandID: "r1/h1/1", reason: "image not found"))
        #expect(RolloutHarness.reverts(actions).map(\.host) == ["h1"])
        #expect(harness.startedRollback?.signal == .swapFailed)
        #expect(harness.startedRollback?.observed == "image not found")
    }

    @Test("an updated host turning unhealthy while the rollout goes on rolls back")
    func updatedHostUnhealthy() {
        var harness = secondWave()
        harness.host("h1", .instanceUnhealthy(commandID: "r1/h1/1", observed: "timeout", threshold: "3"))
        #expect(harness.state.phase == .rollingBack)
        #expect(harness.startedRollback?.host == "h1")
    }

    @Test("missing healthy_deadline rolls back at the deadline, not before")
    func healthyDeadline() {
        var harness = RolloutHarness(plan(hosts: 3))
        harness.send(.start)
        harness.host("h1", .swapStarted(commandID: "r1/h1/1"))
        #expect(harness.advance(by: 299_999).isEmpty)
        let actions = harness.advance(by: 1)
        #expect(RolloutHarness.reverts(actions).map(\.host) == ["h1"])
        let report = harness.startedRollback
        #expect(report?.signal == .healthyDeadline)
        #expect(report?.host == "h1")
        #expect(report?.observed == "never healthy 5m after the swap command")
        #expect(report?.threshold == "update.healthy_deadline 5m with update.min_healthy_time 10s")
    }

    @Test("healthy too late to finish min_healthy_time within healthy_deadline still fails")
    func healthyTooLate() {
        var harness = RolloutHarness(plan(hosts: 1))
        harness.send(.start)
        harness.advance(by: 295_000)
        harness.host("h1", .instanceHealthy(commandID: "r1/h1/1"))
        let actions = harness.advance(by: 20_000)
        #expect(RolloutHarness.reverts(actions).map(\.host) == ["h1"])
        #expect(harness.startedRollback?.signal == .healthyDeadline)
        #expect(harness.startedRollback?.observed.hasPrefix("healthy for only") == true)
    }

    @Test("a lost host not back within progress_deadline fails the rollout")
    func progressDeadline() {
        var harness = RolloutHarness(plan(hosts: 3))
        harness.send(.start)
        harness.host("h3", .hostLost)
        harness.completeWave()
        harness.completeWave()
        #expect(harness.state.lastProgressAt == t0 + 20_000)
        #expect(harness.advance(by: 599_999).isEmpty)
        let actions = harness.advance(by: 1)
        #expect(RolloutHarness.reverts(actions).map(\.host) == ["h1", "h2"])
        let report = harness.startedRollback
        #expect(report?.signal == .progressDeadline)
        #expect(report?.host == nil)
        #expect(report?.observed == "no host finished for 10m")
        #expect(report?.threshold == "update.progress_deadline 10m")
        #expect(report?.skippedHosts == ["h3"])
    }

    @Test("a host lost mid-swap rolls back; its revert waits until it is back and keeps its id")
    func hostLostMidSwap() {
        var harness = RolloutHarness(plan(hosts: 3))
        harness.send(.start)
        harness.completeWave()
        let actions = harness.host("h2", .hostLost)
        #expect(RolloutHarness.reverts(actions).map(\.host) == ["h1"], "no command to a lost host")
        #expect(harness.startedRollback?.signal == .hostLost)
        #expect(harness.startedRollback?.revertedHosts == ["h1", "h2"])
        harness.host("h1", .instanceHealthy(commandID: "r1/h1/2"))
        harness.advance(by: 30_000)
        let back = harness.host("h2", .hostBack)
        #expect(RolloutHarness.reverts(back).map(\.id) == ["r1/h2/2"])
        let done = harness.host("h2", .instanceHealthy(commandID: "r1/h2/2"))
        guard case .rolledBack(let report) = RolloutHarness.finished(done) else {
            Issue.record("expected rolledBack")
            return
        }
        #expect(report.durationMilliseconds == 30_000)
    }

    @Test("a rollback still running at the 5-minute deadline fails and names the stuck hosts")
    func rollbackDeadline() {
        var harness = RolloutHarness(plan(hosts: 4, maxParallel: 2))
        harness.send(.start)
        harness.advance(by: 1_000)
        harness.host("h2", .hostLost)
        harness.host("h1", .instanceHealthy(commandID: "r1/h1/2"))
        #expect(harness.state.phase == .rollingBack)
        #expect(harness.advance(by: 299_999).isEmpty)
        let actions = harness.advance(by: 1)
        guard case .failed(let failure) = RolloutHarness.finished(actions) else {
            Issue.record("expected failed")
            return
        }
        #expect(failure.reason == .rollbackDeadlineExceeded)
        #expect(failure.hosts == ["h2"])
        #expect(failure.report.durationMilliseconds == 300_000)
        #expect(failure.report.action == "reverted 1 of 2 hosts to v1 in parallel; not back: h2; skipped 2 untouched hosts; the 5m rollback deadline passed")
        #expect(harness.host("h2", .hostBack).isEmpty, "a finished rollout ignores reports")
    }

    @Test("a failing revert is retried with a new command id after a growing backoff, then the host is stuck")
    func revertRetries() {
        var harness = RolloutHarness(plan(hosts: 2))
        harness.send(.start)
        harness.host("h1", .swapFailed(commandID: "r1/h1/1", reason: "boom"))
        var ids = ["r1/h1/2"]
        var waited: [Int64] = []
        for attempt in 3...(RollingRolloutStateMachine.maxRevertAttempts + 1) {
            let failed = harness.host("h1", .swapFailed(commandID: harness.commandID("h1"), reason: "no space"))
            #expect(RolloutHarness.reverts(failed).isEmpty, "no retry before its backoff")
            // The coordinator's clock wakes for the retry.
            #expect(harness.machine.nextDueAt == harness.state.hosts.first { $0.name == "h1" }?.retryAt)
            #expect(RolloutHarness.notifications(failed).contains(.revertFailed(host: "h1", reason: "no space", willRetry: true)))
            // The retry goes out on the first tick at or after its backoff.
            var elapsed: Int64 = 0
            var sent: [(host: String, version: String, id: String)] = []
            while sent.isEmpty, elapsed < 60_000 {
                elapsed += 250
                sent = RolloutHarness.reverts(harness.advance(by: 250))
            }
            waited.append(elapsed)
            ids += sent.map(\.id)
            #expect(ids.last == "r1/h1/\(attempt)")
        }
        #expect(waited == [1_000, 2_000, 4_000, 8_000, 15_000])
        let last = harness.host("h1", .swapFailed(commandID: harness.commandID("h1"), reason: "no space"))
        #expect(RolloutHarness.notifications(last).contains(.revertFailed(host: "h1", reason: "no space", willRetry: false)))
        guard case .failed(let failure) = RolloutHarness.finished(last) else {
            Issue.record("expected failed")
            return
        }
        #expect(failure.reason == .revertFailed)
        #expect(failure.hosts == ["h1"])
        #expect(harness.status("h1") == .stuck)
    }

    @Test("with auto_revert off a failure stops the rollout and reverts nothing")
    func autoRevertOff() {
        var harness = RolloutHarness(plan(hosts: 3, autoRevert: false))
        harness.send(.start)
        let actions = harness.host("h1", .instanceUnhealthy(commandID: "r1/h1/1", observed: "HTTP 503", threshold: "3"))
        #expect(RolloutHarness.reverts(actions).isEmpty)
        guard case .failed(let failure) = RolloutHarness.finished(actions) else {
            Issue.record("expected failed")
            return
        }
        #expect(failure.reason == .autoRevertDisabled)
        #expect(failure.hosts == ["h1"])
        #expect(failure.report.action.hasPrefix("none: update.auto_revert is off"))
        // The operator can still roll back by hand.
        let manual = harness.send(.rollback(to: nil))
        #expect(RolloutHarness.reverts(manual).map(\.host) == ["h1"])
    }

    @Test("a manual rollback to a named version swaps every host, touched or not, in parallel")
    func manualRollbackToNamedVersion() {
        var harness = RolloutHarness(plan(hosts: 4))
        harness.send(.start)
        harness.completeWave()
        let actions = harness.send(.rollback(to: "v0"))
        #expect(RolloutHarness.reverts(actions).map(\.host) == ["h1", "h2", "h3", "h4"])
        #expect(RolloutHarness.reverts(actions).allSatisfy { $0.version == "v0" })
        #expect(harness.startedRollback?.signal == .manual)
        #expect(harness.startedRollback?.observed == "operator asked to roll back to v0")
        let again = harness.send(.rollback(to: nil))
        #expect(RolloutHarness.notifications(again) == [.rejected(command: "rollback", reason: "already rolling back to v0")])
        #expect(RolloutHarness.notifications(harness.send(.abort)).count == 1, "a rollback cannot be aborted")
        harness.allInFlightHealthy()
        guard case .rolledBack(let report) = harness.machine.outcome else {
            Issue.record("expected rolledBack")
            return
        }
        #expect(report.targetVersion == "v0")
        #expect(harness.state.hosts.allSatisfy { $0.version == "v0" && $0.status == .reverted })
    }

    @Test("a manual rollback to the previous version after success reverts every host")
    func rollbackAfterSuccess() {
        var harness = RolloutHarness(plan(hosts: 3, maxParallel: 3))
        harness.send(.start)
        harness.runHealthyToEnd()
        #expect(harness.machine.outcome == .succeeded)
        let actions = harness.send(.rollback(to: nil))
        #expect(RolloutHarness.reverts(actions).map(\.host) == ["h1", "h2", "h3"])
        harness.allInFlightHealthy()
        if case .rolledBack(let report) = harness.machine.outcome {
            #expect(report.skippedHosts.isEmpty)
        } else {
            Issue.record("expected rolledBack")
        }
        let again = harness.send(.rollback(to: nil))
        #expect(RolloutHarness.notifications(again) == [.rejected(command: "rollback", reason: "nothing to roll back: every host already runs v1")])
    }

    @Test("reports for the forward swap are stale once the rollback started")
    func staleForwardReports() {
        var harness = RolloutHarness(plan(hosts: 2))
        harness.send(.start)
        harness.host("h1", .swapFailed(commandID: "r1/h1/1", reason: "x"))
        #expect(harness.host("h1", .instanceHealthy(commandID: "r1/h1/1")).isEmpty)
        #expect(harness.host("h1", .swapFailed(commandID: "r1/h1/1", reason: "x")).isEmpty)
        #expect(harness.status("h1") == .reverting)
    }
}
