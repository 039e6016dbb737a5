import DroverRollout
import Testing

@Suite("Rolling rollout")
struct RollingRolloutTests {
    struct FleetCase: Sendable, CustomTestStringConvertible {
        var hosts: Int
        var maxParallel: UpdatePolicy.MaxParallel
        var expectedParallel: Int
        var testDescription: String { "\(hosts) hosts, max_parallel \(maxParallel)" }
    }

    @Test(
        "every host is swapped once, in plan order, never more than max_parallel at a time",
        arguments: [
            FleetCase(hosts: 3, maxParallel: .count(1), expectedParallel: 1),
            FleetCase(hosts: 10, maxParallel: .count(2), expectedParallel: 2),
            FleetCase(hosts: 1000, maxParallel: .percent(25), expectedParallel: 250),
            FleetCase(hosts: 10, maxParallel: .percent(25), expectedParallel: 2),
            FleetCase(hosts: 3, maxParallel: .percent(10), expectedParallel: 1),
        ])
    func rollsAcrossFleet(_ fleet: FleetCase) {
        let hosts = (1...fleet.hosts).map { "h\($0)" }
        let plan = RolloutPlan(
            rolloutID: "r1", service: "web", fromVersion: "v1", toVersion: "v2", hosts: hosts,
            update: UpdatePolicy(maxParallel: fleet.maxParallel))
        #expect(plan.maxParallel == fleet.expectedParallel)
        var harness = RolloutHarness(plan)
        let first = harness.send(.start)
        #expect(
            RolloutHarness.notifications(first).first
                == .started(hosts: fleet.hosts, maxParallel: fleet.expectedParallel))
        #expect(harness.swaps.count == fleet.expectedParallel)
        harness.runHealthyToEnd()

        #expect(harness.machine.outcome == .succeeded)
        #expect(harness.swaps.map(\.host) == hosts)
        #expect(harness.swaps.allSatisfy { $0.version == "v2" })
        #expect(Set(harness.swaps.map(\.id)).count == fleet.hosts)
        #expect(harness.peakInFlight == fleet.expectedParallel)
        #expect(harness.state.hosts.allSatisfy { $0.status == .updated && $0.version == "v2" })
        // Each wave takes exactly min_healthy_time when instances turn healthy at once.
        let waves = (fleet.hosts + fleet.expectedParallel - 1) / fleet.expectedParallel
        #expect(harness.now == t0 + Int64(waves) * 10_000)
        #expect(RolloutHarness.finished(harness.log) == .succeeded)
    }

    @Test("command ids are deterministic per rollout, host and attempt")
    func commandIDs() {
        var harness = RolloutHarness(plan(hosts: 2))
        harness.send(.start)
        #expect(harness.swaps.map(\.id) == ["r1/h1/1"])
        #expect(plan(hosts: 2).commandID(host: "h1", attempt: 1) == "r1/h1/1")
        var again = RolloutHarness(plan(hosts: 2))
        again.send(.start)
        #expect(again.log == harness.log)
    }

    @Test("a host is done only after min_healthy_time of health, measured with the mock clock")
    func minHealthyTime() {
        var harness = RolloutHarness(plan(hosts: 2))
        harness.send(.start)
        harness.advance(by: 3_000)
        harness.host("h1", .swapStarted(commandID: "r1/h1/1"))
        harness.host("h1", .instanceHealthy(commandID: "r1/h1/1"))
        #expect(harness.status("h1") == .stabilizing)
        let early = harness.advance(by: 9_999)
        #expect(RolloutHarness.notifications(early).isEmpty)
        #expect(harness.swaps.count == 1)
        let due = harness.advance(by: 1)
        #expect(RolloutHarness.notifications(due) == [.hostUpdated("h1")])
        #expect(harness.swaps.map(\.host) == ["h1", "h2"])
        #expect(harness.status("h1") == .updated)
    }

    @Test("a late tick still finishes a host at the instant its min_healthy_time ended")
    func lateTickJudgesAtTheRightInstant() {
        var harness = RolloutHarness(
            plan(hosts: 1, minHealthyTime: 10_000, healthyDeadline: 60_000, progressDeadline: 120_000))
        harness.send(.start)
        harness.advance(by: 45_000)
        harness.host("h1", .instanceHealthy(commandID: "r1/h1/1"))
        // Ticks stopped for a while: healthy at 45 s + 10 s = 55 s is within the 60 s deadline.
        let actions = harness.advance(by: 50_000)
        #expect(RolloutHarness.finished(actions) == .succeeded)
        #expect(harness.state.lastProgressAt == t0 + 55_000)
    }

    @Test("min_healthy_time 0 finishes a host as soon as it is healthy")
    func zeroMinHealthyTime() {
        var harness = RolloutHarness(plan(hosts: 2, minHealthyTime: 0))
        harness.send(.start)
        let actions = harness.host("h1", .instanceHealthy(commandID: "r1/h1/1"))
        #expect(RolloutHarness.notifications(actions) == [.hostUpdated("h1")])
        #expect(harness.swaps.map(\.host) == ["h1", "h2"])
    }

    @Test("pause lets hosts in flight finish but starts no new one; resume continues")
    func pauseAndResume() {
        var harness = RolloutHarness(plan(hosts: 3))
        harness.send(.start)
        #expect(RolloutHarness.notifications(harness.send(.pause)) == [.paused])
        #expect(harness.send(.pause).isEmpty, "pausing twice is a no-op")
        harness.completeWave()
        #expect(harness.status("h1") == .updated)
        #expect(harness.swaps.count == 1)
        // An hour paused: no progress deadline, no new host.
        #expect(harness.advance(by: 3_600_000).isEmpty)
        let resumed = harness.send(.resume)
        #expect(RolloutHarness.notifications(resumed).first == .resumed)
        #expect(harness.swaps.map(\.host) == ["h1", "h2"])
        #expect(harness.send(.resume).isEmpty, "resuming twice is a no-op")
        harness.runHealthyToEnd()
        #expect(harness.machine.outcome == .succeeded)
    }

    @Test("the last host finishing while paused completes the rollout")
    func finishWhilePaused() {
        var harness = RolloutHarness(plan(hosts: 1))
        harness.send(.start)
        harness.send(.pause)
        harness.allInFlightHealthy()
        #expect(RolloutHarness.finished(harness.advance(by: 10_000)) == .succeeded)
    }

    @Test("abort stops at once, leaves hosts as they are and ignores later reports")
    func abort() {
        var harness = RolloutHarness(plan(hosts: 4, maxParallel: 2))
        harness.send(.start)
        let actions = harness.send(.abort)
        #expect(RolloutHarness.finished(actions) == .aborted)
        #expect(RolloutHarness.reverts(actions).isEmpty)
        #expect(harness.host("h1", .instanceHealthy(commandID: "r1/h1/1")).isEmpty)
        #expect(harness.advance(by: 3_600_000).isEmpty)
        #expect(harness.status("h1") == .swapping)
        #expect(harness.status("h3") == .pending)
        let again = harness.send(.abort)
        #expect(
            RolloutHarness.notifications(again) == [.rejected(command: "abort", reason: "the rollout has finished")])
    }

    @Test("operator commands that do not apply are rejected without a state change")
    func rejectedCommands() {
        var harness = RolloutHarness(plan(hosts: 2))
        #expect(
            RolloutHarness.notifications(harness.send(.pause)) == [
                .rejected(command: "pause", reason: "the rollout has not started")
            ])
        #expect(RolloutHarness.notifications(harness.send(.rollback(to: nil))).count == 1)
        #expect(harness.state.phase == .notStarted)
    }

    @Test("duplicate and stale events are ignored without a persist")
    func duplicates() {
        var harness = RolloutHarness(plan(hosts: 2))
        harness.send(.start)
        #expect(harness.send(.start).isEmpty)
        // The agent's acceptance is informational: nothing to persist (its result is what counts).
        #expect(harness.host("h1", .swapStarted(commandID: "r1/h1/1")).isEmpty)
        #expect(harness.host("h1", .swapStarted(commandID: "r1/h1/1")).isEmpty)
        #expect(!harness.host("h1", .instanceHealthy(commandID: "r1/h1/1")).isEmpty)
        #expect(harness.host("h1", .instanceHealthy(commandID: "r1/h1/1")).isEmpty)
        // A report for a command that was never sent (another attempt) or a host not in the plan.
        #expect(harness.host("h1", .instanceUnhealthy(commandID: "r1/h1/7", observed: "x", threshold: "y")).isEmpty)
        #expect(harness.host("h2", .instanceHealthy(commandID: "r1/h2/1")).isEmpty)
        #expect(harness.host("nope", .hostLost).isEmpty)
        #expect(harness.host("h2", .hostBack).isEmpty, "a host that was never lost cannot come back")
        harness.advance(by: 10_000)
        #expect(harness.host("h1", .instanceHealthy(commandID: "r1/h1/1")).isEmpty)
        #expect(harness.swaps.map(\.host) == ["h1", "h2"])
    }

    @Test("a pending host that is lost is passed over and started when it is back")
    func lostPendingHostWaits() {
        var harness = RolloutHarness(plan(hosts: 3))
        harness.host("h2", .hostLost)
        harness.send(.start)
        harness.completeWave()
        #expect(harness.swaps.map(\.host) == ["h1", "h3"])
        harness.completeWave()
        #expect(harness.machine.outcome == nil, "the rollout waits for h2")
        let back = harness.host("h2", .hostBack)
        #expect(RolloutHarness.notifications(back) == [.hostBack("h2")])
        #expect(harness.swaps.map(\.host) == ["h1", "h3", "h2"])
        harness.runHealthyToEnd()
        #expect(harness.machine.outcome == .succeeded)
    }

    @Test("a host lost after it was updated does not stop the rollout")
    func lostUpdatedHost() {
        var harness = RolloutHarness(plan(hosts: 2))
        harness.send(.start)
        harness.completeWave()
        let lost = harness.host("h1", .hostLost)
        #expect(RolloutHarness.notifications(lost) == [.hostLost("h1")])
        harness.runHealthyToEnd()
        #expect(harness.machine.outcome == .succeeded)
    }
}

@Suite("Rollout timers")
struct RolloutTimerTests {
    @Test(
        "nextDueAt is the earliest of min_healthy_time, healthy_deadline and progress_deadline, and ticking then acts")
    func nextDue() {
        var machine = RollingRolloutStateMachine(plan: plan(hosts: 2))
        #expect(machine.nextDueAt == nil)
        _ = machine.start(now: t0)
        #expect(machine.nextDueAt == t0 + 300_000)  // h1's healthy_deadline
        let id = machine.state.hosts[0].commandID!
        _ = machine.handle(.host("h1", .instanceHealthy(commandID: id)), now: t0 + 2_000)
        #expect(machine.nextDueAt == t0 + 12_000)  // min_healthy_time ends
        #expect(machine.handle(.tick, now: t0 + 11_999).isEmpty)
        let actions = machine.handle(.tick, now: t0 + 12_000)
        #expect(actions.contains(.notify(.hostUpdated("h1"))))
        _ = machine.handle(.abort, now: t0 + 13_000)
        #expect(machine.nextDueAt == nil)
    }
}
