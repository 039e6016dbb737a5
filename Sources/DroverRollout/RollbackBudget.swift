/// The worst-case time a rollback of one service can take, checked at plan time against the
/// hard 5-minute rollback deadline.
///
/// A rollback swaps every touched host back **in parallel**, so the bound is the time of one
/// host's swap back, not a sum over hosts:
///
/// ```
/// bound = dispatch                         command reaches the agent (one heartbeat, 5 s)
///       + start                            create and start the previous version (15 s; its image
///                                          is already on the host, so no pull)
///       + health.start_period              failures before this do not count
///       + healthy_threshold × interval     consecutive passes needed after the start period
///       + health.timeout                   the last of those checks may take this long
///       + update.drain_timeout             the bad version's open connections finish
///       + stop_grace                       the bad version exits after SIGTERM
/// ```
///
/// Canary and blue-green rollbacks are mostly lighter: the stable version still runs, so a
/// touched host needs only its canary's weight set to 0 and the canary removed, with no health
/// check to wait for (``revertCanaryTerms``: dispatch + `update.drain_timeout` + `stop_grace`).
/// Hosts already promoted when a promotion fails need the full swap back above, so the bound
/// checked is the larger of the two.
///
/// Instances of one host are swapped in parallel too (the agent's swap executor must honour
/// that), so `hosts.instances` does not multiply the bound. The host count only decides whether
/// there is anything to roll back at all and is reported in messages. A spec whose bound exceeds
/// ``limit`` is refused, naming the setting to lower and the value that fits.
public struct RollbackBudget: Sendable, Equatable {
    /// One term of the bound.
    public struct Term: Sendable, Equatable {
        /// The spec field this term comes from, or a fixed allowance's name.
        public var field: String
        /// How long this term may take.
        public var duration: SpecDuration
    }

    /// The hard rollback deadline.
    public static let limit = SpecDuration.minutes(5)
    /// Time for a command to reach an agent: one heartbeat interval.
    public static let dispatchAllowance = SpecDuration.seconds(5)
    /// Time to create and start a container whose image is already on the host.
    public static let startAllowance = SpecDuration.seconds(15)

    /// The terms, in the order of the formula.
    public let terms: [Term]
    /// The number of target hosts.
    public let hostCount: Int
    /// For canary and blue-green: the terms of a canary revert (weight → 0, drain, stop);
    /// empty for rolling updates.
    public let revertCanaryTerms: [Term]

    /// The bound for `spec` on `hostCount` target hosts.
    public init(spec: ServiceSpec, hostCount: Int) {
        let health = spec.health
        let passes = SpecDuration(milliseconds: Int64(max(health.healthyThreshold, 0)) * health.interval.milliseconds)
        self.terms = [
            Term(field: "dispatch", duration: Self.dispatchAllowance),
            Term(field: "start", duration: Self.startAllowance),
            Term(field: "health.start_period", duration: health.startPeriod),
            Term(field: "health.healthy_threshold × health.interval", duration: passes),
            Term(field: "health.timeout", duration: health.timeout),
            Term(field: "update.drain_timeout", duration: spec.update.drainTimeout),
            Term(field: "stop_grace", duration: spec.stopGrace),
        ]
        self.hostCount = hostCount
        switch spec.update.strategy {
        case .rolling:
            self.revertCanaryTerms = []
        case .canary, .blueGreen:
            self.revertCanaryTerms = [
                Term(field: "dispatch", duration: Self.dispatchAllowance),
                Term(field: "update.drain_timeout", duration: spec.update.drainTimeout),
                Term(field: "stop_grace", duration: spec.stopGrace),
            ]
        }
    }

    /// The worst-case time of a canary revert (weight → 0 and removal, in parallel on every
    /// touched host); zero for rolling updates or no hosts.
    public var revertCanaryWorstCase: SpecDuration {
        guard hostCount > 0 else { return .zero }
        return revertCanaryTerms.reduce(.zero) { $0 + $1.duration }
    }

    /// The worst-case rollback time (zero when there are no hosts to roll back): the swap back,
    /// or for canary and blue-green the larger of it and the canary revert.
    public var worstCase: SpecDuration {
        guard hostCount > 0 else { return .zero }
        return max(terms.reduce(.zero) { $0 + $1.duration }, revertCanaryWorstCase)
    }

    /// Whether the bound fits within ``limit``.
    public var fits: Bool { worstCase <= Self.limit }

    /// The formula with this spec's numbers, e.g. `dispatch 5s + start 15s + … = 1m12s`.
    public var explanation: String {
        terms.map { "\($0.field) \($0.duration)" }.joined(separator: " + ") + " = \(worstCase)"
    }

    /// Nothing when the bound fits; otherwise one error naming the setting to lower and to what.
    ///
    /// The suggestion is the largest adjustable term that can absorb the whole excess on its own;
    /// when none can, the error lists the adjustable terms from largest to smallest.
    public func check(spec: ServiceSpec, file: String) -> [SpecError] {
        guard !fits else { return [] }
        let excess = worstCase.milliseconds - Self.limit.milliseconds
        let why =
            "worst-case rollback across \(hostCount) host\(hostCount == 1 ? "" : "s") takes \(worstCase), over the \(Self.limit) limit (\(explanation))"
        let candidates = suggestions(spec: spec, excess: excess)
        if let best = candidates.first(where: { $0.newValue != nil }), let newValue = best.newValue {
            return [
                SpecError(
                    file: file, field: best.field,
                    message: "\(why); lower \(best.field) from \(best.current) to \(newValue) or less")
            ]
        }
        let fields = candidates.map { "\($0.field) (\($0.current))" }.joined(separator: ", ")
        return [
            SpecError(
                file: file, field: candidates.first?.field ?? "update", message: "\(why); lower several of: \(fields)")
        ]
    }

    /// A setting that could be lowered: its current text and, when lowering it alone is enough,
    /// the highest value that fits.
    private struct Suggestion {
        var field: String
        var current: String
        var newValue: String?
        var weight: Int64
    }

    private func suggestions(spec: ServiceSpec, excess: Int64) -> [Suggestion] {
        let health = spec.health
        var result: [Suggestion] = []
        // Plain durations: lowering by `excess` fits when that leaves zero or more.
        for (field, value) in [
            ("update.drain_timeout", spec.update.drainTimeout), ("health.start_period", health.startPeriod),
            ("stop_grace", spec.stopGrace),
        ] where value.milliseconds > 0 {
            let lowered = value.milliseconds - excess
            result.append(
                Suggestion(
                    field: field, current: value.description,
                    newValue: lowered >= 0 ? SpecDuration(milliseconds: lowered).description : nil,
                    weight: value.milliseconds))
        }
        // The interval counts healthy_threshold times and must stay above the timeout.
        let threshold = Int64(max(health.healthyThreshold, 1))
        let interval = health.interval.milliseconds
        let perStep = (excess + threshold - 1) / threshold
        let newInterval = interval - perStep
        result.append(
            Suggestion(
                field: "health.interval", current: health.interval.description,
                newValue: newInterval > health.timeout.milliseconds
                    && newInterval >= ServiceSpecValidator.minimumHealthInterval.milliseconds
                    ? SpecDuration(milliseconds: newInterval).description : nil,
                weight: interval * threshold))
        // Fewer passes: each saves one interval.
        let passesToDrop = (excess + interval - 1) / max(interval, 1)
        let newThreshold = Int64(health.healthyThreshold) - passesToDrop
        result.append(
            Suggestion(
                field: "health.healthy_threshold", current: "\(health.healthyThreshold)",
                newValue: newThreshold >= 1 ? "\(newThreshold)" : nil, weight: interval * (threshold - 1)))
        // Ties keep a fixed order so the message is the same on every run.
        return result.sorted { ($0.weight, $1.field) > ($1.weight, $0.field) }
    }
}
