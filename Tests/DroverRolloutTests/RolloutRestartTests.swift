import DroverRollout
import Foundation
import Testing

@Suite("Rollout persistence and invariants")
struct RolloutRestartTests {
    /// One timed input of a scripted run.
    struct Step: Sendable {
        var at: Int64
        var input: RolloutInput
    }

    /// 5 hosts, 2 at a time: a wave succeeds, then h4 fails, h3 is lost, the rollback finishes.
    static let script: [Step] = [
        Step(at: 0, input: .start),
        Step(at: 1_000, input: .host("h1", .swapStarted(commandID: "r1/h1/1"))),
        Step(at: 2_000, input: .host("h1", .instanceHealthy(commandID: "r1/h1/1"))),
        Step(at: 2_500, input: .host("h2", .instanceHealthy(commandID: "r1/h2/1"))),
        Step(at: 9_000, input: .tick),
        Step(at: 12_000, input: .tick),
        Step(at: 12_600, input: .tick),
        Step(at: 13_000, input: .host("h3", .instanceHealthy(commandID: "r1/h3/1"))),
        Step(at: 13_000, input: .host("h3", .instanceHealthy(commandID: "r1/h3/1"))),
        Step(at: 14_000, input: .host("h4", .instanceUnhealthy(commandID: "r1/h4/1", observed: "HTTP 500", threshold: "3"))),
        Step(at: 14_500, input: .host("h3", .hostLost)),
        Step(at: 15_000, input: .host("h1", .instanceHealthy(commandID: "r1/h1/2"))),
        Step(at: 16_000, input: .host("h2", .instanceHealthy(commandID: "r1/h2/2"))),
        Step(at: 17_000, input: .host("h4", .swapFailed(commandID: "r1/h4/2", reason: "port busy"))),
        Step(at: 18_000, input: .host("h4", .instanceHealthy(commandID: "r1/h4/3"))),
        Step(at: 40_000, input: .host("h3", .hostBack)),
        Step(at: 41_000, input: .host("h3", .instanceHealthy(commandID: "r1/h3/2"))),
        Step(at: 50_000, input: .tick),
    ]

    static func run(_ steps: ArraySlice<Step>, machine: inout RollingRolloutStateMachine) -> [RolloutAction] {
        var actions: [RolloutAction] = []
        for step in steps {
            actions += machine.handle(step.input, now: t0 + step.at)
        }
        return actions
    }

    @Test("encode, decode and continue at every step gives the uninterrupted run's result")
    func restartResumes() throws {
        var straight = RollingRolloutStateMachine(plan: plan(hosts: 5, maxParallel: 2))
        let expected = Self.run(Self.script[...], machine: &straight)
        guard case .rolledBack(let report) = straight.outcome else {
            Issue.record("the script should end rolled back, got \(String(describing: straight.outcome))")
            return
        }
        #expect(report.durationMilliseconds == 27_000)
        #expect(report.revertedHosts == ["h1", "h2", "h3", "h4"])

        for cut in 0...Self.script.count {
            var first = RollingRolloutStateMachine(plan: plan(hosts: 5, maxParallel: 2))
            var actions = Self.run(Self.script[..<cut], machine: &first)
            // Restart from the last persisted state, as the controller would.
            let persisted = actions.last { if case .persist = $0 { true } else { false } }
            let saved: RolloutState
            if case .persist(let state) = persisted { saved = state } else { saved = first.state }
            #expect(saved == first.state)
            let data = try JSONEncoder().encode(saved)
            let restored = try JSONDecoder().decode(RolloutState.self, from: data)
            var second = RollingRolloutStateMachine(restoring: restored)
            actions += Self.run(Self.script[cut...], machine: &second)
            #expect(actions == expected, "cut at \(cut)")
            #expect(second.state == straight.state, "cut at \(cut)")
        }
    }

    @Test("after a restart the commands in flight are re-sent with their original ids")
    func redeliveries() throws {
        var machine = RollingRolloutStateMachine(plan: plan(hosts: 4, maxParallel: 2))
        _ = machine.handle(.start, now: t0)
        _ = machine.handle(.host("h2", .hostLost), now: t0 + 1)
        let data = try JSONEncoder().encode(machine.state)
        var restored = RollingRolloutStateMachine(restoring: try JSONDecoder().decode(RolloutState.self, from: data))
        // h2 is lost mid-swap, so it was rolled back: only h1's revert is re-sent.
        #expect(restored.redeliveries() == [.revert(host: "h1", to: "v1", commandID: "r1/h1/2")])
        #expect(restored.handle(.host("h1", .instanceHealthy(commandID: "r1/h1/2")), now: t0 + 2).count > 1)

        var fresh = RollingRolloutStateMachine(plan: plan(hosts: 4, maxParallel: 2))
        _ = fresh.handle(.start, now: t0)
        let copy = RollingRolloutStateMachine(restoring: try JSONDecoder().decode(RolloutState.self, from: JSONEncoder().encode(fresh.state)))
        #expect(copy.redeliveries() == [
            .swap(host: "h1", to: "v2", commandID: "r1/h1/1"), .swap(host: "h2", to: "v2", commandID: "r1/h2/1"),
        ])
    }

    @Test("finished states of every kind survive JSON and stay finished")
    func finishedStatesRoundTrip() throws {
        var failed = RolloutHarness(plan(hosts: 3, maxParallel: 2))
        failed.send(.start)
        failed.host("h2", .hostLost)
        failed.host("h1", .instanceHealthy(commandID: "r1/h1/2"))
        failed.advance(by: 300_000)
        var aborted = RolloutHarness(plan(hosts: 2))
        aborted.send(.start)
        aborted.send(.abort)
        var succeeded = RolloutHarness(plan(hosts: 2))
        succeeded.send(.start)
        succeeded.runHealthyToEnd()
        for harness in [failed, aborted, succeeded] {
            let decoded = try JSONDecoder().decode(RolloutState.self, from: JSONEncoder().encode(harness.state))
            #expect(decoded == harness.state)
            var restored = RollingRolloutStateMachine(restoring: decoded)
            #expect(restored.outcome != nil)
            #expect(restored.redeliveries().isEmpty)
            #expect(restored.handle(.host("h1", .instanceHealthy(commandID: "r1/h1/1")), now: t0 + 400_000).isEmpty)
        }
        guard case .failed(let failure) = failed.machine.outcome else {
            Issue.record("expected failed")
            return
        }
        #expect(failure.hosts == ["h2"])
        #expect(failure.description.hasPrefix("rollbackDeadlineExceeded; hosts: h2; host h2: hostLost"))
    }

    @Test("a plan drops repeated hosts and never runs fewer than one at a time")
    func planNormalises() {
        let plan = RolloutPlan(
            rolloutID: "r", service: "s", fromVersion: "a", toVersion: "b", hosts: ["x", "y", "x"], maxParallel: 0,
            minHealthyTime: -5, healthyDeadline: 1, progressDeadline: 2, autoRevert: true)
        #expect(plan.hosts == ["x", "y"])
        #expect(plan.maxParallel == 1)
        #expect(plan.minHealthyTime == 0)
        #expect(plan.rollbackDeadline == 300_000)
    }

    /// SplitMix64: a small deterministic generator so a failing seed can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("random event orders keep the invariants", arguments: 0..<40)
    func randomOrders(seed: UInt64) {
        var random = SplitMix(state: seed)
        let hostCount = Int.random(in: 1...12, using: &random)
        let parallel = Int.random(in: 1...4, using: &random)
        var harness = RolloutHarness(plan(hosts: hostCount, maxParallel: parallel, healthyDeadline: 60_000, progressDeadline: 120_000))
        harness.send(.start)
        for _ in 0..<300 {
            let names = harness.state.hosts.map(\.name)
            let name = names.randomElement(using: &random) ?? "h1"
            let current = harness.commandID(name)
            // Mostly the current command, sometimes a stale or made-up one.
            let id = Int.random(in: 0..<5, using: &random) == 0 ? "r1/\(name)/\(Int.random(in: 1...4, using: &random))" : current
            let input: RolloutInput
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<30: input = .host(name, .instanceHealthy(commandID: id))
            case 30..<40: input = .host(name, .swapStarted(commandID: id))
            case 40..<43: input = .host(name, .instanceUnhealthy(commandID: id, observed: "fail", threshold: "3"))
            case 43..<45: input = .host(name, .swapFailed(commandID: id, reason: "boom"))
            case 45..<49: input = .host(name, .hostLost)
            case 49..<55: input = .host(name, .hostBack)
            case 55..<57: input = .pause
            case 57..<60: input = .resume
            case 60: input = .rollback(to: nil)
            default:
                harness.now += Int64.random(in: 0...15_000, using: &random)
                input = .tick
            }
            harness.send(input)
            if case .finished(.rolledBack(let report)) = harness.state.phase {
                // Every touched host is targeted at the previous version and back on it.
                for host in harness.state.hosts where host.touched {
                    #expect(host.version == "v1" && host.status == .reverted, "seed \(seed): \(host.name)")
                }
                #expect(Set(report.revertedHosts).isSubset(of: harness.state.hosts.filter(\.touched).map(\.name)))
            }
            if case .finished(.succeeded) = harness.state.phase {
                #expect(harness.state.hosts.allSatisfy { $0.status == .updated && $0.version == "v2" })
            }
            if case .rollingBack = harness.state.phase {
                #expect(harness.state.hosts.allSatisfy { !$0.touched || $0.version == "v1" })
            }
        }
        #expect(harness.peakInFlight <= parallel)
        // Each host got at most one forward swap.
        #expect(Set(harness.swaps.map(\.host)).count == harness.swaps.count)
    }
}
