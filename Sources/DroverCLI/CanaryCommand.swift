import ArgumentParser
import DroverAPI
import DroverRollout

/// `drover canary SERVICE --percent N | promote | abort`.
struct CanaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "Set a running canary's share of the traffic by hand, promote it, or abort it.",
        discussion: """
            --percent N gives the canary N % of the traffic (0–100, up to two decimals) on every \
            canary host at once and holds it there until the next command: no step advances, \
            analysis keeps running and still rolls back on failure. The command waits until the \
            weight is in effect on every host and says how long that took.

            promote skips the remaining steps and makes the new version the only one on every \
            host (blue-green: switches all traffic now); abort sends every host back to the \
            stable version only. Both follow the rollout to its end unless --detach.

            Examples:
              drover canary web --percent 50
              drover canary web promote
              drover canary web abort

            Exit codes: 0 done (promote: the rollout succeeded), 5 the rollout did not succeed \
            (abort: always, the canary was rolled back); a refusal (no canary of the service \
            running, a weight during promotion) exits 1. \(CLIExitCodes.help)
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(help: "The canary's share of the traffic in percent (0–100), held until the next command.")
    var percent: Double?

    @Flag(help: "Return as soon as the controller accepted the command.")
    var detach = false

    @Argument(help: "Service name.")
    var service: String

    @Argument(help: "promote or abort (leave out with --percent).")
    var action: String?

    func validate() throws {
        switch (action, percent) {
        case (nil, nil):
            throw ValidationError("give --percent N, or promote or abort")
        case (.some, .some):
            throw ValidationError("--percent sets a weight; it does not go with \(action ?? "")")
        case (.some(let action), nil) where action != "promote" && action != "abort":
            throw ValidationError("unknown canary action \(action): use promote or abort (or --percent N)")
        case (nil, .some(let percent)) where !(0...100).contains(percent):
            throw ValidationError("--percent must be from 0 to 100, got \(percent)")
        default:
            break
        }
    }

    func run() async throws {
        var code: Int32 = 0
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let client = try connection.makeClient()
            let request =
                percent.map { CanaryRequest(action: .setWeight, percent: $0) }
                ?? CanaryRequest(action: action == "abort" ? .abort : .promote)
            let started = ContinuousClock.now
            let summary = try await client.call(
                .POST, "/v1/services/\(APIPath.segment(service))/canary", body: request, as: RolloutSummary.self)
            if percent != nil {
                let detail = detach ? nil : try await waitForWeight(summary.id, client: client)
                let took = ContinuousClock.now - started
                switch output {
                case .json:
                    print(
                        JSONOutput.string(detail ?? RolloutDetail(summary: summary, maxParallel: 0, hosts: [], log: []))
                    )
                case .text:
                    StandardOutput.line(Self.weightLine(summary, detail: detail, took: took))
                }
                return
            }
            code = try await RolloutFollow.run(
                summary, client: client, detach: detach, output: output, interval: .milliseconds(500))
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// Polls the rollout until no canary host is still changing its weight (or starting its canary).
    private func waitForWeight(_ id: String, client: APIClient) async throws(APIClientError) -> RolloutDetail {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let detail = try await client.call(.GET, "/v1/rollouts/\(APIPath.segment(id))", as: RolloutDetail.self)
            let settling = detail.hosts.contains { $0.status == "weighting" || $0.status == "swapping" }
            if !settling || detail.summary.isFinished || ContinuousClock.now > deadline { return detail }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    static func weightLine(_ summary: RolloutSummary, detail: RolloutDetail?, took: Duration) -> String {
        let weight = summary.canaryWeightBp.map { BasisPoints.text($0) } ?? "?"
        guard let detail else { return "\(summary.service): canary weight \(weight) requested (rollout \(summary.id))" }
        let live = detail.hosts.filter { $0.status == "live" }.count
        let milliseconds = took.components.seconds * 1_000 + took.components.attoseconds / 1_000_000_000_000_000
        return
            "\(summary.service): canary \(summary.toVersion) at \(weight) of the traffic on \(live) host\(live == 1 ? "" : "s"), held (in effect after \(RolloutText.duration(ms: milliseconds)); rollout \(summary.id))"
    }
}
