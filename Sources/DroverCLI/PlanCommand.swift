import ArgumentParser
import DroverAPI
import DroverRollout
import Foundation

/// `drover plan FILE`: validates a service spec and shows the rollout it would run.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Validate a service spec and show the rollout it would run, without changing anything.",
        discussion: """
            Like `nomad job plan`: parses FILE (YAML, one service), checks every field, picks the \
            target hosts from the controller (labels in `hosts.labels`; removed and drained hosts \
            are skipped), and shows the batches and the worst-case time a rollback would take for \
            this spec on this fleet. A spec whose rollback could exceed 5 minutes is refused with \
            the setting to lower. With --hosts N the plan is made offline for N hosts (no \
            controller needed, e.g. to lint specs in CI).
            Exit codes: 0 valid, 1 invalid spec, rollback bound over 5 minutes or no target host, \
            2 authentication failure, 4 server or connection error.
            """
    )

    @Argument(help: "The service spec (YAML).")
    var file: String

    @Option(help: "Plan offline for this many hosts instead of asking the controller.")
    var hosts: Int?

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: OutputFormat = .text

    func validate() throws {
        if let hosts, hosts < 1 { throw ValidationError("--hosts must be at least 1") }
    }

    func run() async throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            CLIExitCodes.printError("drover: cannot read \(file): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let spec: ServiceSpec
        do {
            spec = try ServiceSpecParser.load(text, file: file)
        } catch {
            for problem in error.errors { CLIExitCodes.printError(problem.description) }
            CLIExitCodes.printError("drover: \(file) is not a valid service spec (\(error.errors.count) problem\(error.errors.count == 1 ? "" : "s"))")
            throw ExitCode(1)
        }

        var targets: [HostSummary] = []
        var skipped: [HostSummary] = []
        if hosts == nil {
            try await CLIExitCodes.run { () async throws(APIClientError) in
                let list = try await connection.makeClient().call(.GET, "/v1/hosts", as: HostList.self)
                for host in list.hosts where host.state != "removed" && spec.hosts.matches(host.labels) {
                    if host.state == "drained" { skipped.append(host) } else { targets.append(host) }
                }
            }
        }
        let hostCount = hosts ?? targets.count
        guard hostCount > 0 else {
            let selector = spec.hosts.labels.isEmpty
                ? "the fleet has no host"
                : "no host has the labels " + spec.hosts.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            CLIExitCodes.printError("drover: \(file): hosts.labels: \(selector) (drained hosts are skipped)")
            throw ExitCode(1)
        }
        let budget = RollbackBudget(spec: spec, hostCount: hostCount)
        let plan = RolloutPreview(spec: spec, file: file, targets: targets, skipped: skipped, hostCount: hostCount, budget: budget)
        switch output {
        case .text: print(plan.text)
        case .json: print(JSONOutput.string(plan))
        }
        let refusals = budget.check(spec: spec, file: file)
        guard refusals.isEmpty else {
            for problem in refusals { CLIExitCodes.printError(problem.description) }
            throw ExitCode(1)
        }
    }
}
