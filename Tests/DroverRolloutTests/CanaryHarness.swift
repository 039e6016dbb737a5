import DroverRollout
import Foundation
import Testing

/// A canary plan over `count` hosts `h1…`; steps as (weight %, pause ms or nil, host count).
func canaryPlan(
    hosts count: Int, maxParallel: Int = 1, steps: [(weight: Int, pause: Int64?, hosts: Int)],
    autoPromote: Bool = true, analysis: AnalysisPolicy = AnalysisPolicy()
) -> TrafficRolloutPlan {
    TrafficRolloutPlan(
        rolloutID: "c1", service: "web", fromVersion: "v1", toVersion: "v2", hosts: (0..<count).map { "h\($0 + 1)" },
        maxParallel: maxParallel, healthyDeadline: 300_000, progressDeadline: 600_000, mode: .canary,
        steps: steps.map { TrafficRolloutPlan.Step(weightBP: $0.weight * 100, pause: $0.pause, hostCount: $0.hosts) },
        autoPromote: autoPromote, analysis: analysis)
}

/// A blue-green plan over `count` hosts from a spec-like `update` block.
func blueGreenPlan(
    hosts count: Int, maxParallel: Int = 1, verify: SpecDuration, keepOld: SpecDuration
) -> TrafficRolloutPlan {
    TrafficRolloutPlan.blueGreen(
        rolloutID: "b1", service: "web", fromVersion: "v1", toVersion: "v2", hosts: (0..<count).map { "h\($0 + 1)" },
        update: UpdatePolicy(
            strategy: .blueGreen, maxParallel: .count(maxParallel),
            blueGreen: BlueGreenPolicy(verify: verify, keepOld: keepOld)))
}

/// Drives a canary (or blue-green) machine with a mock clock and a fake fleet's cumulative
/// traffic counters, checking on every call that `persist` comes first exactly when the state
/// changed and that no more than `maxParallel` canary swaps are in flight.
struct CanaryHarness {
    var machine: CanaryRolloutStateMachine
    var now: Int64 = t0
    /// Every action but `persist`, in order.
    var log: [TrafficRolloutAction] = []
    /// Cumulative counters per host: canary (v2) and stable (v1).
    var canaryTotals: [String: TrafficCounters] = [:]
    var stableTotals: [String: TrafficCounters] = [:]
    var peakSwapping = 0

    init(_ plan: TrafficRolloutPlan) {
        machine = CanaryRolloutStateMachine(plan: plan)
    }

    var state: TrafficRolloutState { machine.state }

    @discardableResult
    mutating func send(_ input: RolloutInput) -> [TrafficRolloutAction] {
        let before = machine.state
        let actions = machine.handle(input, now: now)
        let persists = actions.enumerated().filter { if case .persist = $0.element { true } else { false } }
        var latestOnly = machine.state
        latestOnly.latest = before.latest
        if before == latestOnly {
            // The latest traffic counters alone are not persisted (the next report brings them back).
            #expect(persists.isEmpty, "no change (or only the latest counters) must not persist: \(input)")
        } else {
            #expect(persists.count == 1 && persists.first?.offset == 0, "a change persists first, once")
            if case .persist(let persisted) = actions.first { #expect(persisted == machine.state) }
        }
        let swapping = machine.state.hosts.count { $0.status == .swapping }
        peakSwapping = max(peakSwapping, swapping)
        #expect(swapping <= machine.state.plan.maxParallel)
        log += actions.filter { if case .persist = $0 { false } else { true } }
        return actions
    }

    func status(_ host: String) -> TrafficHost.Status? {
        state.hosts.first { $0.name == host }?.status
    }

    func commandID(_ host: String) -> String {
        state.hosts.first { $0.name == host }?.commandID ?? "none"
    }

    /// Every host with a command in flight answers: done (healthy / succeeded).
    @discardableResult
    mutating func answerAll() -> [TrafficRolloutAction] {
        var actions: [TrafficRolloutAction] = []
        for host in state.hosts
        where [.swapping, .weighting, .promoting, .reverting].contains(host.status) && !host.lost && host.retryAt == nil
        {
            actions += send(.host(host.name, .instanceHealthy(commandID: host.commandID ?? "")))
        }
        return actions
    }

    /// Each canary host serves `canary` canary requests (with `errors` errors, at `latency` µs) and
    /// every host `stable` stable requests; every host reports its cumulative counters.
    mutating func serve(canary: UInt64, errors: UInt64 = 0, stable: UInt64 = 0, latency: UInt64 = 20_000) {
        for host in state.hosts {
            if [.live, .weighting].contains(host.status) {
                canaryTotals[host.name] =
                    (canaryTotals[host.name] ?? .zero) + counters(canary, errors: errors, latencyMicroseconds: latency)
            }
            stableTotals[host.name] = (stableTotals[host.name] ?? .zero) + counters(stable)
            let versions = ["v2": canaryTotals[host.name] ?? .zero, "v1": stableTotals[host.name] ?? .zero]
            send(.traffic(host.name, HostTrafficSample(versions: versions)))
        }
    }

    /// Lets `duration` pass in 10-second slices, serving traffic and ticking in each.
    mutating func run(
        for duration: Int64, canary: UInt64 = 0, errors: UInt64 = 0, stable: UInt64 = 0, slice: Int64 = 10_000
    ) {
        var left = duration
        while left > 0, machine.outcome == nil {
            let step = min(slice, left)
            now += step
            left -= step
            if canary > 0 || stable > 0 { serve(canary: canary, errors: errors, stable: stable) }
            send(.tick)
        }
    }

    @discardableResult
    mutating func advance(by milliseconds: Int64) -> [TrafficRolloutAction] {
        now += milliseconds
        return send(.tick)
    }

    static func commands(_ actions: [TrafficRolloutAction]) -> [String] {
        actions.compactMap { action in
            switch action {
            case .canarySwap(let host, _, let weight, _): "canarySwap \(host) \(weight)"
            case .setWeights(let host, _, let weight, _): "setWeights \(host) \(weight)"
            case .promote(let host, _, _): "promote \(host)"
            case .revertCanary(let host, _, _): "revertCanary \(host)"
            case .revert(let host, _, _): "revert \(host)"
            case .persist, .notify, .finished: nil
            }
        }
    }

    var commands: [String] { Self.commands(log) }

    var outcome: RolloutOutcome? { machine.outcome }

    var rollbackReport: RollbackReport? {
        log.compactMap { if case .notify(.rollout(.rollbackStarted(let report))) = $0 { report } else { nil } }.last
    }
}
