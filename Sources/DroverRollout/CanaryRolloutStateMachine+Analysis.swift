/// Judging the current window with ``CanaryAnalysis`` and acting on the verdict.
extension CanaryRolloutStateMachine {
    /// The most recent analyses kept per step (for `drover rollout status`).
    public static let analysesKept = 100

    /// The end of the current step's pause, when it has one and no operator holds the weight.
    var pauseEndsAt: Int64? {
        guard let start = state.windowStartedAt, case .running = state.phase, !state.stepPauseOver,
            let pause = state.plan.steps[state.stepIndex].pause
        else { return nil }
        return start + pause
    }

    /// Judges when an interval or the pause ended: a failure rolls back, the pause's end passes
    /// on (pass) or pauses (inconclusive canary).
    mutating func judgeIfDue(now: Int64, effects: inout [TrafficRolloutAction]) {
        guard state.windowStartedAt != nil, let due = state.nextAnalysisAt, isForward else { return }
        let pauseEnd = pauseEndsAt
        let pauseOver = pauseEnd.map { now >= $0 } ?? false
        guard now >= due || pauseOver else { return }
        // The pause's end judges the whole step; the analyses before it, the latest interval.
        let result = analyse(since: pauseOver ? state.baseline : state.intervalBaseline)
        state.intervalBaseline = state.latest
        if !state.steps.isEmpty {
            let last = state.steps.count - 1
            state.steps[last].analyses.append(TimedAnalysis(at: now, result: result))
            // Bounded: a long pause judged every second must not grow the persisted state forever.
            let extra = state.steps[last].analyses.count - Self.analysesKept
            if extra > 0 { state.steps[last].analyses.removeFirst(extra) }
            if let share = result.canaryShareBP { state.steps[last].measuredShareBP = share }
        }
        effects.append(.notify(.analysed(index: state.stepIndex, result)))
        let interval = max(state.plan.analysis.interval.milliseconds, 1)
        state.nextAnalysisAt = pauseEnd.map { $0 > now ? min(now + interval, $0) : now + interval } ?? now + interval
        if case .fail(let failure) = result.verdict {
            fail(FailureSignal(failure), now: now, effects: &effects)
            return
        }
        guard pauseOver else { return }
        state.stepPauseOver = true
        if case .inconclusive(let reason) = result.verdict, state.plan.mode == .canary {
            let text = "step \(state.stepIndex + 1) inconclusive: \(reason); resume, set a weight, promote or abort"
            state.phase = .paused(reason: text)
            effects.append(.notify(.paused(reason: text)))
            return
        }
        stepPassed(now: now, effects: &effects)
    }

    /// The step's pause ended well (or an operator moved on): wait for a promote, or go on.
    mutating func stepPassed(now: Int64, effects: inout [TrafficRolloutAction]) {
        if state.plan.steps[state.stepIndex].awaitPromote {
            state.phase = .awaitingPromote
            effects.append(
                .notify(
                    .paused(
                        reason:
                            "the new set is verified; waiting for a promote to switch (update.blue_green.auto_switch is false)"
                    )))
            return
        }
        nextStep(now: now, effects: &effects)
    }

    /// The verdict on the traffic since `baseline` over the hosts carrying the canary.
    func analyse(since baseline: [String: HostTrafficSample]) -> AnalysisResult {
        let analysis = CanaryAnalysis(
            policy: state.plan.analysis, canaryVersion: state.plan.toVersion, stableVersion: state.plan.fromVersion)
        let hosts = state.hosts.filter { $0.status == .live || $0.status == .weighting }.map(\.name)
        return analysis.judge(start: baseline, end: state.latest, canaryHosts: hosts)
    }
}
