import DroverAPI
import DroverRollout
import Foundation

/// Text rendering of rollouts, services and histories for the operator commands.
enum RolloutText {
    /// `3m 20s`, `45s`, `1.2s`.
    static func duration(ms: Int64) -> String {
        if ms < 10_000 {
            let tenths = (ms + 50) / 100
            return "\(tenths / 10).\(tenths % 10)s"
        }
        let seconds = ms / 1_000
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3_600 { return seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds / 60)m \(seconds % 60)s" }
        return "\(seconds / 3_600)h \(seconds % 3_600 / 60)m"
    }

    /// `v1 → v2`; a canary or blue-green rollout in progress adds its strategy and weight:
    /// `v1 → v2 (canary 10%)`.
    static func versions(_ summary: RolloutSummary) -> String {
        let base = "\(summary.fromVersion) → \(summary.toVersion)"
        guard let strategy = summary.strategy, strategy != "rolling", !summary.isFinished else { return base }
        return base + " (\(strategy)\(summary.canaryWeightBp.map { " " + BasisPoints.text($0) } ?? ""))"
    }

    /// The `drover rollouts` table.
    static func table(_ rollouts: [RolloutSummary], nowMs: Int64) -> String {
        if rollouts.isEmpty { return "No rollouts." }
        return TextTable.render(
            header: ["ID", "SERVICE", "KIND", "VERSIONS", "PHASE", "UPDATED", "STARTED", "OUTCOME"],
            rows: rollouts.map { r in
                [
                    r.id, r.service, r.kind, versions(r), r.phase, "\(r.updatedCount)/\(r.hostCount)",
                    HostTable.ago(r.createdAt, nowMs: nowMs), r.outcome ?? "-",
                ]
            })
    }

    /// Counts of hosts by status, the line `drover deploy` prints as it goes.
    static func progressLine(_ detail: RolloutDetail, nowMs: Int64) -> String {
        if let steps = detail.steps { return canaryProgressLine(detail, steps: steps, nowMs: nowMs) }
        let hosts = detail.hosts
        func count(_ statuses: Set<String>) -> Int { hosts.filter { statuses.contains($0.status) }.count }
        let placed = count(["swapping", "stabilizing", "updated"])
        let window = max(1, detail.maxParallel)
        let batches = max(1, (hosts.count + window - 1) / window)
        var parts = [
            "batch \(min(batches, max(1, (placed + window - 1) / window)))/\(batches)",
            "placed \(placed)/\(hosts.count)",
            "healthy \(count(["stabilizing", "updated"]))",
            "updated \(count(["updated"]))",
            // The host whose failure started a rollback (the first failure ends a rolling deploy).
            "unhealthy \(detail.why?.host == nil ? 0 : 1)",
        ]
        let reverting = count(["reverting", "reverted", "stuck"])
        if reverting > 0 { parts.append("rolled back \(count(["reverted"]))/\(reverting)") }
        let lost = hosts.filter(\.lost).count
        if lost > 0 { parts.append("lost \(lost)") }
        if detail.summary.phase == "rolling_back", let deadline = detail.rollbackDeadlineAt {
            parts.append("rollback deadline in \(duration(ms: max(0, deadline - nowMs)))")
        } else if let deadline = detail.progressDeadlineAt, !detail.summary.isFinished {
            parts.append("progress deadline in \(duration(ms: max(0, deadline - nowMs)))")
        }
        return "    \(detail.summary.phase): " + parts.joined(separator: ", ")
    }

    /// The progress line of a canary or blue-green rollout: the step, the weight set and
    /// measured, the hosts by status, the latest verdict, and what the operator may do when it waits.
    static func canaryProgressLine(_ detail: RolloutDetail, steps: [RolloutStepStatus], nowMs: Int64) -> String {
        let s = detail.summary
        let hosts = detail.hosts
        var parts: [String] = []
        if let step = steps.last {
            parts.append("step \(step.step)\(step.manual ? " (manual)" : "")")
            parts.append("weight \(BasisPoints.text(s.canaryWeightBp ?? step.weightBp))")
            if let measured = step.measuredShareBp { parts.append("measured \(BasisPoints.text(measured))") }
            if let verdict = step.analyses.last?.verdict { parts.append("last verdict \(verdict)") }
        }
        for status in ["swapping", "live", "weighting", "promoting", "promoted", "reverting", "reverted", "stuck"] {
            let count = hosts.filter { $0.status == status }.count
            if count > 0 { parts.append("\(status) \(count)/\(hosts.count)") }
        }
        let lost = hosts.filter(\.lost).count
        if lost > 0 { parts.append("lost \(lost)") }
        if s.phase == "rolling_back", let deadline = detail.rollbackDeadlineAt {
            parts.append("rollback deadline in \(duration(ms: max(0, deadline - nowMs)))")
        }
        var line = "    \(s.phase): " + parts.joined(separator: ", ")
        switch s.phase {
        case "paused", "holding", "awaiting_promote":
            line +=
                "\n    waiting for you: drover canary \(s.service) --percent N | promote | abort, or drover rollout resume \(s.id)"
        default:
            break
        }
        return line
    }

    /// One line per log entry: `  12:00:03 web-2  new instance healthy`.
    static func log(_ entry: RolloutLogEntry, startedAt: Int64) -> String {
        let offset = "+" + duration(ms: max(0, entry.at - startedAt))
        return
            "    \(offset.padding(toLength: 8, withPad: " ", startingAt: 0)) \(entry.host.map { "\($0): " } ?? "")\(entry.message)"
    }

    /// The why of a rollback, as `drover deploy` and `drover rollout status` print it.
    static func why(_ why: RollbackWhy) -> [String] {
        var lines = [
            "Rollback:",
            "  Why:       \(why.host.map { "host \($0): " } ?? "")\(why.signal)",
            "  Observed:  \(why.observed)",
            "  Threshold: \(why.threshold)",
            "  Action:    \(why.action)",
            "  Back to:   \(why.targetVersion) on \(why.revertedHosts.isEmpty ? "no hosts" : why.revertedHosts.joined(separator: ", "))",
        ]
        if !why.skippedHosts.isEmpty { lines.append("  Untouched: \(why.skippedHosts.joined(separator: ", "))") }
        if let finished = why.finishedAt {
            lines.append("  Took:      \(duration(ms: finished - why.startedAt)) (bound: 5m)")
        }
        return lines
    }

    /// The `drover rollout status` text.
    static func detail(_ detail: RolloutDetail, nowMs: Int64) -> String {
        let s = detail.summary
        var lines = [
            "ID:           \(s.id)",
            "Service:      \(s.service)",
            "Kind:         \(s.kind)",
            "Versions:     \(versions(s))",
            "Phase:        \(s.phase)",
            "Updated:      \(s.updatedCount)/\(s.hostCount) hosts (max_parallel \(detail.maxParallel))",
            "Started:      \(HostTable.ago(s.createdAt, nowMs: nowMs))",
        ]
        if let finished = s.finishedAt {
            lines.append(
                "Finished:     \(HostTable.ago(finished, nowMs: nowMs)) (took \(duration(ms: finished - s.createdAt)))")
        }
        if let outcome = s.outcome { lines.append("Outcome:      \(outcome)") }
        if !s.isFinished { lines.append(progressLine(detail, nowMs: nowMs).trimmingLeadingSpaces()) }
        lines.append("")
        lines.append(
            TextTable.render(
                header: ["HOST", "STATUS", "VERSION", "ATTEMPT", "STEP", "LOST"],
                rows: detail.hosts.map {
                    [$0.host, $0.status, $0.version, "\($0.attempt)", $0.step ?? "-", $0.lost ? "yes" : "no"]
                }))
        if let steps = detail.steps, !steps.isEmpty {
            lines.append("")
            lines += self.steps(steps)
        }
        if let reason = detail.why {
            lines.append("")
            lines += why(reason)
        }
        if !detail.log.isEmpty {
            lines.append("")
            lines.append("Log:")
            lines += detail.log.map { log($0, startedAt: s.createdAt) }
        }
        return lines.joined(separator: "\n")
    }

    /// A canary's steps: the weight set, the share measured, the latest verdict, then every verdict.
    static func steps(_ steps: [RolloutStepStatus]) -> [String] {
        var lines = [
            "Steps:",
            TextTable.render(
                header: ["STEP", "SET WEIGHT", "MEASURED SHARE", "HOSTS", "ANALYSES", "LATEST VERDICT"],
                rows: steps.map { step in
                    [
                        "\(step.step)\(step.manual ? " (manual)" : "")", BasisPoints.text(step.weightBp),
                        step.measuredShareBp.map { BasisPoints.text($0) } ?? "-", "\(step.hosts.count)",
                        "\(step.analyses.count)", step.analyses.last?.verdict ?? "-",
                    ]
                }),
        ]
        for step in steps where !step.analyses.isEmpty {
            lines.append("Step \(step.step)\(step.manual ? " (manual)" : "") verdicts:")
            lines += step.analyses.map { "  \($0.summary)" }
        }
        return lines
    }

    /// The `drover services` table.
    static func services(_ services: [ServiceSummary], nowMs: Int64) -> String {
        if services.isEmpty { return "No services. Deploy one with: drover deploy FILE" }
        return TextTable.render(
            header: ["SERVICE", "ENGINE", "VERSION", "HOSTS", "PORT", "ROLLOUT", "CHANGED"],
            rows: services.map { s in
                [
                    s.name, s.engine, s.currentVersion ?? "-", "\(s.hosts.count)", "\(s.publicPort)",
                    s.activeRollout ?? "-", HostTable.ago(s.updatedAt, nowMs: nowMs),
                ]
            })
    }

    /// The `drover history SERVICE` text.
    static func history(_ history: ServiceHistory, nowMs: Int64) -> String {
        var lines = ["Service \(history.service), running \(history.currentVersion ?? "nothing yet")", "", "Versions:"]
        lines.append(
            TextTable.render(
                header: ["VERSION", "WORKLOAD", "FIRST DEPLOYED"],
                rows: history.versions.map { [$0.version, $0.workload, HostTable.ago($0.createdAt, nowMs: nowMs)] }))
        lines.append("")
        lines.append("Rollouts:")
        lines.append(table(history.rollouts, nowMs: nowMs))
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingLeadingSpaces() -> String {
        String(drop { $0 == " " })
    }
}
