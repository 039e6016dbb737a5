import DroverAPI
import DroverRollout

/// What `drover plan` shows: the spec's rollout on the chosen hosts, as text or JSON.
struct RolloutPreview: Encodable {
    var service: String
    var file: String
    var engine: String
    var workload: String
    var strategy: String
    var hosts: [String]
    var lostHosts: [String]
    var skippedDrainedHosts: [String]
    var hostCount: Int
    var instancesPerHost: Int
    var maxParallel: Int
    var batches: Int
    var minHealthyTime: String
    var healthyDeadline: String
    var progressDeadline: String
    var autoRevert: Bool
    var rollbackWorstCase: String
    var rollbackLimit: String
    var rollbackFormula: String
    var rollbackFits: Bool

    enum CodingKeys: String, CodingKey {
        case service, file, engine, workload, strategy, hosts, batches
        case lostHosts = "lost_hosts"
        case skippedDrainedHosts = "skipped_drained_hosts"
        case hostCount = "host_count"
        case instancesPerHost = "instances_per_host"
        case maxParallel = "max_parallel"
        case minHealthyTime = "min_healthy_time"
        case healthyDeadline = "healthy_deadline"
        case progressDeadline = "progress_deadline"
        case autoRevert = "auto_revert"
        case rollbackWorstCase = "rollback_worst_case"
        case rollbackLimit = "rollback_limit"
        case rollbackFormula = "rollback_formula"
        case rollbackFits = "rollback_fits"
    }

    init(
        spec: ServiceSpec, file: String, targets: [HostSummary], skipped: [HostSummary], hostCount: Int,
        budget: RollbackBudget
    ) {
        let parallel = spec.update.maxParallel.resolved(hostCount: hostCount)
        service = spec.name
        self.file = file
        engine = spec.engine.rawValue
        workload = spec.image ?? (spec.command ?? []).joined(separator: " ")
        strategy = spec.update.strategy.rawValue
        hosts = targets.map(\.name)
        lostHosts = targets.filter { $0.state == "lost" }.map(\.name)
        skippedDrainedHosts = skipped.map(\.name)
        self.hostCount = hostCount
        instancesPerHost = spec.hosts.instances
        maxParallel = parallel
        batches = (hostCount + parallel - 1) / max(1, parallel)
        minHealthyTime = spec.update.minHealthyTime.description
        healthyDeadline = spec.update.healthyDeadline.description
        progressDeadline = spec.update.progressDeadline.description
        autoRevert = spec.update.autoRevert
        rollbackWorstCase = budget.worstCase.description
        rollbackLimit = RollbackBudget.limit.description
        rollbackFormula = budget.explanation
        rollbackFits = budget.fits
    }

    var text: String {
        var lines = [
            "Service \(service) (\(file)): \(engine) \(workload), \(strategy) update",
            "Hosts: \(hostCount)" + (hosts.isEmpty ? " (offline plan)" : ": " + hosts.joined(separator: ", "))
                + ", \(instancesPerHost) instance\(instancesPerHost == 1 ? "" : "s") each",
        ]
        if !lostHosts.isEmpty {
            lines.append("  lost now (the rollout waits for them): \(lostHosts.joined(separator: ", "))")
        }
        if !skippedDrainedHosts.isEmpty {
            lines.append("  skipped, drained: \(skippedDrainedHosts.joined(separator: ", "))")
        }
        lines += [
            "Batches: \(batches) of at most \(maxParallel) host\(maxParallel == 1 ? "" : "s"); each host healthy for \(minHealthyTime) within \(healthyDeadline)",
            "Progress deadline: \(progressDeadline); automatic rollback: \(autoRevert ? "on" : "off")",
            "Worst-case rollback: \(rollbackWorstCase) of \(rollbackLimit) allowed \(rollbackFits ? "✔" : "✘") (\(rollbackFormula))",
        ]
        return lines.joined(separator: "\n")
    }
}
