import DroverRollout
import Foundation
import Testing

@Suite("Canary rollout")
struct CanaryRolloutTests {
    /// 4 hosts, 2 at a time: 10 % on 2 hosts for 2 min, then 50 % everywhere for 2 min.
    static let twoSteps = canaryPlan(
        hosts: 4, maxParallel: 2, steps: [(10, 120_000, 2), (50, 120_000, 4)])

    @Test("happy path: steps in order, analysis every interval, then auto promote max_parallel at a time")
    func happyPath() {
        var h = CanaryHarness(Self.twoSteps)
        let first = h.send(.start)
        #expect(CanaryHarness.commands(first) == ["canarySwap h1 1000", "canarySwap h2 1000"])
        h.answerAll()
        #expect(h.state.windowStartedAt == h.now)
        h.run(for: 120_000, canary: 100, stable: 900)
        // The pause ended with a pass: step 2 sets 50 % on h1, h2 and canaries h3, h4.
        #expect(h.state.stepIndex == 1)
        #expect(
            h.commands.suffix(4) == [
                "setWeights h1 5000", "setWeights h2 5000", "canarySwap h3 5000", "canarySwap h4 5000",
            ])
        h.answerAll()
        h.run(for: 120_000, canary: 500, stable: 500)
        #expect(h.state.phase == .promoting)
        #expect(h.commands.suffix(2) == ["promote h1", "promote h2"])
        h.answerAll()
        #expect(h.commands.suffix(2) == ["promote h3", "promote h4"])
        h.answerAll()
        #expect(h.outcome == .succeeded)
        // Per-step record for `drover rollout status`.
        #expect(h.state.steps.map(\.weightBP) == [1_000, 5_000])
        #expect(h.state.steps[0].hosts == ["h1", "h2"])
        #expect(h.state.steps[0].analyses.count == 4)  // every 30 s, the last at the pause's end
        #expect(h.state.steps[0].analyses.allSatisfy { $0.result.verdict == .pass })
        // h1, h2 carry the canary at 10 %: 200 of the 4 × 900 + 200 requests per slice ≈ 5.3 %.
        #expect((500...560).contains(h.state.steps[0].measuredShareBP ?? 0))
        #expect(h.state.steps[1].measuredShareBP == 5_000)
    }

    @Test("5 % errors: rollback at once, remaining steps skipped, with a why naming signal, observed and threshold")
    func errorsRollBack() throws {
        var h = CanaryHarness(
            canaryPlan(hosts: 10, maxParallel: 2, steps: [(5, 300_000, 2), (25, 300_000, 5), (50, 300_000, 10)]))
        h.send(.start)
        h.answerAll()
        h.run(for: 30_000, canary: 200, errors: 10, stable: 1_000)
        #expect(h.state.phase == .rollingBack)
        #expect(h.commands.suffix(2) == ["revertCanary h1", "revertCanary h2"])
        let report = try #require(h.rollbackReport)
        #expect(report.signal == .analysis)
        #expect(report.observed.hasPrefix("error rate 5% ("))
        #expect(report.threshold == "update.analysis.max_error_rate 1%")
        #expect(report.revertedHosts == ["h1", "h2"])
        #expect(report.skippedHosts.count == 8)
        #expect(report.action.contains("remaining steps skipped"))
        h.answerAll()
        guard case .rolledBack(let final) = h.outcome else {
            Issue.record("expected a rollback, got \(String(describing: h.outcome))")
            return
        }
        #expect(final.durationMilliseconds == 0)
        #expect(!h.commands.contains { $0.hasPrefix("promote") || $0.hasPrefix("setWeights") })
    }

    @Test("no traffic: the step ends inconclusive, the rollout pauses and is never promoted")
    func noTrafficPauses() {
        var h = CanaryHarness(canaryPlan(hosts: 2, steps: [(10, 60_000, 2)]))
        h.send(.start)
        h.answerAll()
        h.answerAll()
        h.run(for: 60_000)
        guard case .paused(let reason) = h.state.phase else {
            Issue.record("expected paused, got \(h.state.phase)")
            return
        }
        #expect(reason.contains("inconclusive") && reason.contains("min_requests 100"))
        h.run(for: 4 * 3_600_000, slice: 60_000)
        #expect(h.outcome == nil)
        #expect(!h.commands.contains { $0.hasPrefix("promote") })
        // The operator decides: resume goes on (here, to promotion).
        h.send(.resume)
        #expect(h.state.phase == .promoting)
    }

    @Test("setCanaryWeight sets the weight now on every canary host and holds it: no automatic advance")
    func manualWeightHolds() {
        var h = CanaryHarness(canaryPlan(hosts: 3, maxParallel: 3, steps: [(10, 60_000, 3), (50, 60_000, 3)]))
        h.send(.start)
        h.answerAll()
        h.run(for: 20_000, canary: 200, stable: 800)
        let set = h.send(.setCanaryWeight(basisPoints: 2_500))
        #expect(CanaryHarness.commands(set) == ["setWeights h1 2500", "setWeights h2 2500", "setWeights h3 2500"])
        #expect(h.state.phase == .holding(weightBP: 2_500))
        h.answerAll()
        h.run(for: 3_600_000, canary: 200, stable: 800)
        #expect(h.state.phase == .holding(weightBP: 2_500))
        #expect(h.state.stepIndex == 0)
        #expect(h.state.steps.last?.manual == true && h.state.steps.last?.analyses.isEmpty == false)
        #expect(!h.commands.contains { $0.hasPrefix("promote") || $0 == "setWeights h1 5000" })
        // Analysis still runs and still rolls back.
        h.run(for: 30_000, canary: 200, errors: 50, stable: 800)
        #expect(h.state.phase == .rollingBack)
    }

    @Test("resume after a held weight goes on with the next step")
    func resumeAfterHold() {
        var h = CanaryHarness(canaryPlan(hosts: 2, maxParallel: 2, steps: [(10, 60_000, 2), (50, 60_000, 2)]))
        h.send(.start)
        h.answerAll()
        h.send(.setCanaryWeight(basisPoints: 2_000))
        h.answerAll()
        h.send(.resume)
        #expect(h.state.stepIndex == 1)
        #expect(h.commands.suffix(2) == ["setWeights h1 5000", "setWeights h2 5000"])
    }

    @Test("promote mid-way skips the remaining steps and promotes every host")
    func promoteMidway() {
        var h = CanaryHarness(canaryPlan(hosts: 4, maxParallel: 2, steps: [(10, 600_000, 1), (50, 600_000, 4)]))
        h.send(.start)
        h.answerAll()
        h.run(for: 60_000, canary: 200, stable: 800)
        h.send(.promote)
        #expect(h.state.phase == .promoting)
        #expect(h.commands.suffix(2) == ["promote h1", "promote h2"])
        h.answerAll()
        h.answerAll()
        #expect(h.outcome == .succeeded)
        #expect(
            Set(h.commands.filter { $0.hasPrefix("promote") }) == [
                "promote h1", "promote h2", "promote h3", "promote h4",
            ])
    }

    @Test("a failed promotion rolls every host back: promoted hosts by a swap, canaries by a canary revert")
    func promotionFailure() throws {
        var h = CanaryHarness(canaryPlan(hosts: 3, maxParallel: 1, steps: [(50, 60_000, 3)]))
        h.send(.start)
        for _ in 0..<3 { h.answerAll() }
        h.send(.promote)
        h.answerAll()  // h1 promoted, h2 promoting
        h.send(.host("h2", .swapFailed(commandID: h.commandID("h2"), reason: "engine error")))
        #expect(h.commands.suffix(3) == ["revert h1", "revert h2", "revertCanary h3"])
        #expect(try #require(h.rollbackReport).signal == .swapFailed)
    }

    @Test("abort reverts the canary everywhere with the why 'operator abort'")
    func abort() throws {
        var h = CanaryHarness(Self.twoSteps)
        h.send(.start)
        h.answerAll()
        h.send(.abort)
        #expect(h.commands.suffix(2) == ["revertCanary h1", "revertCanary h2"])
        let report = try #require(h.rollbackReport)
        #expect(report.signal == .operatorAbort && report.observed.contains("operator abort"))
        h.answerAll()
        guard case .rolledBack = h.outcome else {
            Issue.record("expected rolled back")
            return
        }
    }

    @Test("a host lost mid-swap rolls back; its revert goes out when it is back")
    func hostLostMidSwap() throws {
        var h = CanaryHarness(Self.twoSteps)
        h.send(.start)
        h.send(.host("h1", .instanceHealthy(commandID: h.commandID("h1"))))
        h.send(.host("h2", .hostLost))
        let report = try #require(h.rollbackReport)
        #expect(report.signal == .hostLost && report.host == "h2")
        #expect(h.commands.suffix(1) == ["revertCanary h1"])
        let back = h.send(.host("h2", .hostBack))
        #expect(CanaryHarness.commands(back) == ["revertCanary h2"])
        h.answerAll()
        guard case .rolledBack = h.outcome else {
            Issue.record("expected rolled back")
            return
        }
    }

    @Test("waves: hosts 10 % then 100 %, canary swaps max_parallel at a time")
    func waves() {
        let spec = UpdatePolicy(
            strategy: .canary, maxParallel: .count(3),
            canary: CanaryPolicy(steps: [
                CanaryStep(weightBP: 1_000, pause: .duration(.minutes(1)), hosts: .percent(10)),
                CanaryStep(weightBP: 5_000, pause: .duration(.minutes(1))),
            ]),
            analysis: AnalysisPolicy(minRequests: 10))
        let plan = TrafficRolloutPlan.canary(
            rolloutID: "c1", service: "web", fromVersion: "v1", toVersion: "v2", hosts: (1...10).map { "h\($0)" },
            update: spec)
        var h = CanaryHarness(plan!)
        #expect(CanaryHarness.commands(h.send(.start)) == ["canarySwap h1 1000"])
        h.answerAll()
        h.run(for: 60_000, canary: 50, stable: 500)
        #expect(
            h.commands.suffix(4) == [
                "setWeights h1 5000", "canarySwap h2 5000", "canarySwap h3 5000", "canarySwap h4 5000",
            ])
        for _ in 0..<4 { h.answerAll() }
        #expect(h.state.hosts.allSatisfy { $0.status == .live && $0.weightBP == 5_000 })
        #expect(h.peakSwapping == 3)
        h.run(for: 60_000, canary: 50, stable: 50)
        #expect(h.state.phase == .promoting)
    }

    @Test("pause: manual waits for a resume, analysis still running")
    func manualPause() {
        var h = CanaryHarness(canaryPlan(hosts: 1, steps: [(10, nil, 1), (50, 60_000, 1)]))
        h.send(.start)
        h.answerAll()
        guard case .paused(let reason) = h.state.phase else {
            Issue.record("expected paused")
            return
        }
        #expect(reason.contains("manual"))
        h.run(for: 3_600_000, canary: 200, stable: 200)
        #expect(h.state.stepIndex == 0)
        h.send(.resume)
        #expect(h.state.stepIndex == 1)
    }

    @Test("auto_promote false waits for a promote after the last step")
    func noAutoPromote() {
        var h = CanaryHarness(canaryPlan(hosts: 1, steps: [(10, 60_000, 1)], autoPromote: false))
        h.send(.start)
        h.answerAll()
        h.run(for: 60_000, canary: 200, stable: 200)
        #expect(h.state.phase == .awaitingPromote)
        h.run(for: 3_600_000, canary: 200, stable: 200, slice: 60_000)
        #expect(h.state.phase == .awaitingPromote)
        h.send(.promote)
        h.answerAll()
        #expect(h.outcome == .succeeded)
    }

    @Test("restart: the state encoded to JSON mid-step and decoded resumes exactly the same")
    func restart() throws {
        var h = CanaryHarness(Self.twoSteps)
        h.send(.start)
        h.answerAll()
        h.run(for: 50_000, canary: 100, stable: 900)
        let data = try JSONEncoder().encode(h.state)
        let restored = try JSONDecoder().decode(TrafficRolloutState.self, from: data)
        #expect(restored == h.state)
        var twin = h
        twin.machine = CanaryRolloutStateMachine(restoring: restored)
        twin.log = []
        h.log = []
        #expect(twin.machine.redeliveries().isEmpty)  // nothing in flight mid-window
        h.run(for: 300_000, canary: 100, stable: 900)
        twin.run(for: 300_000, canary: 100, stable: 900)
        #expect(twin.log == h.log)
        #expect(twin.state == h.state)
        #expect(h.state.stepIndex == 1)
    }

    @Test("redeliveries after a restart re-send the commands in flight with their ids")
    func redeliveries() {
        var h = CanaryHarness(Self.twoSteps)
        h.send(.start)
        let restored = CanaryRolloutStateMachine(restoring: h.state)
        #expect(
            restored.redeliveries() == [
                .canarySwap(host: "h1", to: "v2", weightBP: 1_000, commandID: "c1/h1/1"),
                .canarySwap(host: "h2", to: "v2", weightBP: 1_000, commandID: "c1/h2/1"),
            ])
    }

    @Test("a rollback whose reverts never finish fails at the hard 5-minute deadline, after retries with backoff")
    func rollbackDeadline() throws {
        var h = CanaryHarness(Self.twoSteps)
        h.send(.start)
        h.answerAll()
        h.send(.abort)
        let rollbackStart = h.now
        h.send(.host("h1", .swapFailed(commandID: h.commandID("h1"), reason: "engine busy")))
        #expect(h.state.hosts[0].retryAt == h.now + 1_000)
        let retry = h.advance(by: 1_000)
        #expect(CanaryHarness.commands(retry) == ["revertCanary h1"])
        #expect(h.machine.nextDueAt != nil)
        h.advance(by: 300_000)
        guard case .failed(let failure) = h.outcome else {
            Issue.record("expected a failure, got \(String(describing: h.outcome))")
            return
        }
        #expect(failure.reason == .rollbackDeadlineExceeded)
        #expect(failure.hosts == ["h1", "h2"])
        #expect(failure.report.finishedAt == rollbackStart + 300_000)
    }

    @Test("an unhealthy canary instance rolls back; a rolling machine refuses canary commands")
    func unhealthy() throws {
        var h = CanaryHarness(Self.twoSteps)
        h.send(.start)
        h.send(
            .host("h1", .instanceUnhealthy(commandID: h.commandID("h1"), observed: "3 failed checks", threshold: "3")))
        #expect(try #require(h.rollbackReport).signal == .unhealthy)
        var rolling = RollingRolloutStateMachine(plan: plan(hosts: 1))
        _ = rolling.start(now: t0)
        let refused = rolling.handle(.promote, now: t0)
        #expect(
            refused == [.notify(.rejected(command: "promote", reason: "only canary and blue-green rollouts take it"))])
        #expect(rolling.handle(.traffic("h1", HostTrafficSample(versions: [:])), now: t0).isEmpty)
    }
}

@Suite("Blue-green rollout")
struct BlueGreenRolloutTests {
    @Test("happy path: new set beside the old, verify, switch on all hosts at once, keep old, retire")
    func happyPath() {
        var machine = BlueGreenRolloutStateMachine(
            plan: blueGreenPlan(hosts: 3, verify: .seconds(30), keepOld: .minutes(10)))
        var h = CanaryHarness(blueGreenPlan(hosts: 3, verify: .seconds(30), keepOld: .minutes(10)))
        #expect(CanaryHarness.commands(machine.handle(.start, now: t0)) == ["canarySwap h1 0"])
        #expect(CanaryHarness.commands(h.send(.start)) == ["canarySwap h1 0"])
        for _ in 0..<3 { h.answerAll() }
        #expect(h.commands == ["canarySwap h1 0", "canarySwap h2 0", "canarySwap h3 0"])
        h.run(for: 29_000)
        #expect(h.state.stepIndex == 0)
        let switched = h.advance(by: 1_000)
        #expect(
            CanaryHarness.commands(switched) == ["setWeights h1 10000", "setWeights h2 10000", "setWeights h3 10000"])
        #expect(switched.contains(.notify(.switched)))
        h.answerAll()
        h.run(for: 600_000, canary: 300)
        #expect(h.commands.suffix(3) == ["promote h1", "promote h2", "promote h3"])
        h.answerAll()
        #expect(h.outcome == .succeeded)
    }

    @Test("a failure during keep_old switches back at once: weight 0 everywhere, then the new set is removed")
    func failureAfterSwitch() throws {
        var h = CanaryHarness(blueGreenPlan(hosts: 3, maxParallel: 3, verify: .zero, keepOld: .minutes(10)))
        h.send(.start)
        h.answerAll()
        #expect(h.state.stepIndex == 1)
        h.answerAll()
        h.run(for: 30_000, canary: 300, errors: 30)
        #expect(
            h.commands.suffix(6) == [
                "setWeights h1 0", "revertCanary h1", "setWeights h2 0", "revertCanary h2", "setWeights h3 0",
                "revertCanary h3",
            ])
        let report = try #require(h.rollbackReport)
        #expect(report.signal == .analysis && report.observed.hasPrefix("error rate 10%"))
        h.answerAll()
        guard case .rolledBack = h.outcome else {
            Issue.record("expected rolled back")
            return
        }
    }

    @Test("a failure before the switch removes the new set from the touched hosts only")
    func failureBeforeSwitch() throws {
        var h = CanaryHarness(blueGreenPlan(hosts: 3, verify: .seconds(30), keepOld: .minutes(10)))
        h.send(.start)
        h.answerAll()
        h.send(.host("h2", .swapFailed(commandID: h.commandID("h2"), reason: "image missing")))
        #expect(h.commands.suffix(2) == ["revertCanary h1", "revertCanary h2"])
        #expect(try #require(h.rollbackReport).skippedHosts == ["h3"])
    }

    @Test("auto_switch false waits for promote; promote switches; rollback during keep_old switches back")
    func manualSwitch() {
        let plan = TrafficRolloutPlan.blueGreen(
            rolloutID: "b1", service: "web", fromVersion: "v1", toVersion: "v2", hosts: ["h1", "h2"],
            update: UpdatePolicy(
                strategy: .blueGreen, blueGreen: BlueGreenPolicy(verify: .seconds(10), autoSwitch: false)))
        var h = CanaryHarness(plan)
        h.send(.start)
        h.answerAll()
        h.answerAll()
        h.run(for: 600_000, slice: 60_000)
        #expect(h.state.phase == .awaitingPromote)
        #expect(CanaryHarness.commands(h.send(.promote)) == ["setWeights h1 10000", "setWeights h2 10000"])
        h.answerAll()
        h.send(.rollback(to: nil))
        #expect(h.commands.suffix(4) == ["setWeights h1 0", "revertCanary h1", "setWeights h2 0", "revertCanary h2"])
    }
}

@Suite("Canary rollout deadlines")
struct CanaryDeadlineTests {
    @Test("a step host lost before its canary swap is waited for until progress_deadline, then the canary rolls back")
    func lostPendingHost() throws {
        var h = CanaryHarness(canaryPlan(hosts: 3, maxParallel: 3, steps: [(10, 60_000, 3)]))
        h.send(.host("h3", .hostLost))
        h.send(.start)
        #expect(h.commands == ["canarySwap h1 1000", "canarySwap h2 1000"])
        h.answerAll()
        #expect(h.machine.nextDueAt == t0 + 600_000)
        h.advance(by: 600_000)
        let report = try #require(h.rollbackReport)
        #expect(report.signal == .progressDeadline)
        #expect(report.revertedHosts == ["h1", "h2"] && report.skippedHosts == ["h3"])
    }

    @Test("a canary swap never healthy fails at healthy_deadline")
    func healthyDeadline() throws {
        var h = CanaryHarness(canaryPlan(hosts: 1, steps: [(10, 60_000, 1)]))
        h.send(.start)
        #expect(h.machine.nextDueAt == t0 + 300_000)
        h.advance(by: 300_000)
        #expect(try #require(h.rollbackReport).signal == .healthyDeadline)
    }
}

@Suite("Canary rollout commands and late failures")
struct CanaryCommandTests {
    @Test("a live canary failing its health checks later, even mid weight change, rolls back")
    func lateUnhealthy() throws {
        var h = CanaryHarness(canaryPlan(hosts: 2, maxParallel: 2, steps: [(10, 60_000, 2), (50, 60_000, 2)]))
        h.send(.start)
        let swapID = h.commandID("h1")
        h.answerAll()
        h.send(.setCanaryWeight(basisPoints: 3_000))
        #expect(h.status("h1") == .weighting)
        h.send(
            .host("h1", .instanceUnhealthy(commandID: swapID, observed: "3 failed checks: HTTP 500", threshold: "3")))
        let report = try #require(h.rollbackReport)
        #expect(report.signal == .unhealthy && report.host == "h1")
    }

    @Test("commands that do not apply are refused and change nothing")
    func refused() {
        var h = CanaryHarness(canaryPlan(hosts: 1, steps: [(10, 60_000, 1)]))
        #expect(
            h.send(.promote) == [
                .notify(.rollout(.rejected(command: "promote", reason: "the rollout has not started")))
            ])
        h.send(.start)
        let wrongTarget = h.send(.rollback(to: "v0"))
        #expect(wrongTarget.count == 1 && h.state.phase == .running)
        let badWeight = h.send(.setCanaryWeight(basisPoints: 10_001))
        #expect(badWeight.count == 1 && h.state.phase == .running)
        var bg = CanaryHarness(blueGreenPlan(hosts: 1, verify: .zero, keepOld: .minutes(1)))
        bg.send(.start)
        let weight = bg.send(.setCanaryWeight(basisPoints: 500))
        #expect(
            weight == [
                .notify(
                    .rollout(
                        .rejected(
                            command: "set-canary-weight",
                            reason: "a blue-green rollout switches all traffic at once; use promote")))
            ])
        // The switch moves all traffic at once: not before the new set is up everywhere.
        let early = bg.send(.promote)
        #expect(early.count == 1 && bg.state.stepIndex == 0)
    }
}

@Suite("Canary rollouts: what is persisted")
struct CanaryPersistenceTests {
    @Test("a report that only moves the latest counters is not persisted; a restart from the last write goes on")
    func latestCountersAreNotPersisted() throws {
        var harness = CanaryHarness(
            canaryPlan(
                hosts: 1, steps: [(weight: 10, pause: 600_000, hosts: 1)],
                analysis: AnalysisPolicy(interval: .seconds(60), minRequests: 10)))
        harness.send(.start)
        harness.answerAll()
        var lastPersisted: TrafficRolloutState?
        let actions = harness.machine.handle(
            .traffic("h1", HostTrafficSample(versions: ["v2": counters(50), "v1": counters(450)])), now: harness.now)
        for case .persist(let state) in actions { lastPersisted = state }
        // The window took its baseline from this first report: that is persisted.
        #expect(lastPersisted?.baseline["h1"] != nil)
        let next = harness.machine.handle(
            .traffic("h1", HostTrafficSample(versions: ["v2": counters(80), "v1": counters(720)])), now: harness.now + 1
        )
        #expect(!next.contains { if case .persist = $0 { true } else { false } })
        #expect(harness.machine.state.latest["h1"]?.versions["v2"]?.requests == 80)

        // Restored from the last write (the latest counters are older), the next report and
        // the analysis go on as if nothing happened.
        var restored = CanaryRolloutStateMachine(restoring: try #require(lastPersisted))
        _ = restored.handle(
            .traffic("h1", HostTrafficSample(versions: ["v2": counters(150), "v1": counters(1_350)])),
            now: harness.now + 2)
        let judged = restored.handle(.tick, now: harness.now + 60_000)
        let verdicts = judged.compactMap { if case .notify(.analysed(_, let result)) = $0 { result } else { nil } }
        #expect(verdicts.first?.verdict == .pass && verdicts.first?.canaryRequests == 100)
    }

    @Test("a step keeps its most recent 100 analyses")
    func analysesAreBounded() {
        var harness = CanaryHarness(
            canaryPlan(
                hosts: 1, steps: [(weight: 10, pause: 1_000_000, hosts: 1)],
                analysis: AnalysisPolicy(interval: .seconds(1), minRequests: 10)))
        harness.send(.start)
        harness.answerAll()
        harness.run(for: 150_000, canary: 20, stable: 180, slice: 1_000)
        let analyses = harness.state.steps.last?.analyses ?? []
        #expect(analyses.count == CanaryRolloutStateMachine.analysesKept)
        #expect(analyses.last?.at == harness.now)
    }
}
