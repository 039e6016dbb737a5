import DroverAPI

/// Follows a rollout until it ends, printing its log and a progress line whenever something
/// changes (like `nomad job run`); the result decides `drover deploy`'s exit code.
struct RolloutWatcher {
    let client: APIClient
    let interval: Duration
    /// Where lines go (standard output, unbuffered).
    var emit: (String) -> Void = { StandardOutput.line($0) }

    /// Polls until the rollout is over; returns the last detail.
    func follow(_ id: String) async throws(APIClientError) -> RolloutDetail {
        // Entries are matched by content, not position: the controller may fold transient
        // progress steps out of the log once a host is done.
        var printed = Set<String>()
        var lastProgress = ""
        while true {
            let detail = try await client.call(.GET, "/v1/rollouts/\(APIPath.segment(id))", as: RolloutDetail.self)
            let now = CLIClock.nowMs()
            for entry in detail.log where printed.insert("\(entry.at) \(entry.host ?? "") \(entry.message)").inserted {
                emit(RolloutText.log(entry, startedAt: detail.summary.createdAt))
            }
            let progress = RolloutText.progressLine(detail, nowMs: now)
            // Deadlines tick every second; print the line when the counts change, not the clock.
            let key = progress.split(separator: ",").filter { !$0.contains("deadline") }.joined(separator: ",")
            if key != lastProgress, !detail.summary.isFinished {
                emit(progress)
                lastProgress = key
            }
            if detail.summary.isFinished { return detail }
            try? await Task.sleep(for: interval)
        }
    }

    /// The closing lines: outcome, why, time taken.
    static func conclusion(_ detail: RolloutDetail) -> [String] {
        let s = detail.summary
        var lines: [String] = []
        let took = s.finishedAt.map { " in \(RolloutText.duration(ms: $0 - s.createdAt))" } ?? ""
        switch s.phase {
        case "succeeded":
            lines.append(
                "==> rollout \(s.id) succeeded\(took): \(s.service) runs \(s.toVersion) on \(s.hostCount) host\(s.hostCount == 1 ? "" : "s")"
            )
        case "rolled_back":
            lines.append(
                "==> rollout \(s.id) ROLLED BACK\(took): \(s.service) is back on \(detail.why?.targetVersion ?? s.fromVersion)"
            )
        default:
            lines.append("==> rollout \(s.id) \(s.phase)\(took)\(s.outcome.map { ": \($0)" } ?? "")")
        }
        if let why = detail.why { lines += RolloutText.why(why) }
        return lines
    }

    /// Exit code for a finished rollout: 0 succeeded, 5 otherwise (rolled back, aborted, failed).
    static func exitCode(_ detail: RolloutDetail) -> Int32 {
        detail.summary.phase == "succeeded" ? 0 : RolloutWatcher.notSucceeded
    }

    /// The exit code of a deploy or rollback that did not succeed.
    static let notSucceeded: Int32 = 5
}
