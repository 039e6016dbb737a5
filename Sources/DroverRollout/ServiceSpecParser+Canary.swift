import Yams

/// Reading `update.canary`, `update.analysis` and `update.blue_green` (shape only; ranges and
/// cross-field rules are ``ServiceSpecValidator``'s).
extension ServiceSpecParser {
    static let canaryKeys = ["steps", "auto_promote", "stickiness", "allowlist"]
    static let stepKeys = ["weight", "pause", "hosts"]
    static let stickinessKeys = ["cookie", "header", "client_address"]
    static let analysisKeys = [
        "interval", "max_error_rate", "max_p95", "min_requests", "max_error_rate_increase", "max_p95_ratio", "max_cpu",
        "max_memory",
    ]
    static let blueGreenKeys = ["verify", "auto_switch", "keep_old"]

    static func readCanary(_ node: Node, reader: inout SpecNodeReader) -> CanaryPolicy? {
        guard let fields = reader.mapping(node, at: "update.canary", allowed: canaryKeys) else { return nil }
        var policy = CanaryPolicy(steps: [])
        if let stepsNode = fields["steps"] {
            if case .sequence(let sequence) = stepsNode {
                for (index, item) in sequence.enumerated() {
                    if let step = readStep(item, at: "update.canary.steps[\(index)]", reader: &reader) {
                        policy.steps.append(step)
                    }
                }
            } else {
                reader.fail("update.canary.steps", stepsNode, "must be a list of steps like - {weight: 5, pause: 2m}")
            }
        } else {
            reader.fail("update.canary.steps", node, "is required: at least one step like - {weight: 5, pause: 2m}")
        }
        if let value = fields["auto_promote"].flatMap({ reader.bool($0, at: "update.canary.auto_promote") }) {
            policy.autoPromote = value
        }
        if let stickyNode = fields["stickiness"] {
            policy.stickiness = readStickiness(stickyNode, reader: &reader)
        }
        if let list = fields["allowlist"].flatMap({ reader.stringList($0, at: "update.canary.allowlist") }) {
            policy.allowlist = list
        }
        return policy
    }

    private static func readStep(_ node: Node, at field: String, reader: inout SpecNodeReader) -> CanaryStep? {
        guard let fields = reader.mapping(node, at: field, allowed: stepKeys) else { return nil }
        var weight: Int?
        if let weightNode = fields["weight"], let text = reader.string(weightNode, at: "\(field).weight") {
            weight = BasisPoints.parse(text)
            if weight == nil {
                reader.fail(
                    "\(field).weight", weightNode,
                    "must be a percentage of the traffic like 5 or 0.5 (at most two decimals), got \"\(text)\"")
            }
        } else if fields["weight"] == nil {
            reader.fail("\(field).weight", node, "is required: the canary's share of traffic in percent, like 5")
        }
        var pause: CanaryStep.Pause?
        if let pauseNode = fields["pause"], let text = reader.string(pauseNode, at: "\(field).pause") {
            if text.trimmingASCIIWhitespace() == "manual" {
                pause = .manual
            } else if let duration = SpecDuration(parsing: text) {
                pause = .duration(duration)
            } else {
                reader.fail(
                    "\(field).pause", pauseNode, "must be a duration like 30s or 2m, or manual, got \"\(text)\"")
            }
        } else if fields["pause"] == nil {
            reader.fail("\(field).pause", node, "is required: a duration like 2m, or manual")
        }
        var hosts = HostShare.percent(100)
        if let hostsNode = fields["hosts"], let text = reader.string(hostsNode, at: "\(field).hosts") {
            if let share = HostShare(parsing: text) {
                hosts = share
            } else {
                reader.fail(
                    "\(field).hosts", hostsNode, "must be a host count like 2 or a percentage like 10%, got \"\(text)\""
                )
            }
        }
        guard let weight, let pause else { return nil }
        return CanaryStep(weightBP: weight, pause: pause, hosts: hosts)
    }

    private static func readStickiness(_ node: Node, reader: inout SpecNodeReader) -> CanaryStickiness? {
        let field = "update.canary.stickiness"
        guard let fields = reader.mapping(node, at: field, allowed: stickinessKeys) else { return nil }
        guard fields.count == 1, let (key, value) = fields.first else {
            reader.fail(field, node, "choose one of cookie, header or client_address")
            return nil
        }
        switch key {
        case "cookie": return reader.string(value, at: "\(field).cookie").map { .cookie($0) }
        case "header": return reader.string(value, at: "\(field).header").map { .header($0) }
        default:
            guard let on = reader.bool(value, at: "\(field).client_address") else { return nil }
            if !on { reader.fail("\(field).client_address", value, "must be true; leave stickiness out for none") }
            return on ? .clientAddress : nil
        }
    }

    static func readAnalysis(_ node: Node, reader: inout SpecNodeReader) -> AnalysisPolicy? {
        let block = "update.analysis"
        guard let fields = reader.mapping(node, at: block, allowed: analysisKeys) else { return nil }
        var policy = AnalysisPolicy()
        if let value = fields["interval"].flatMap({ reader.duration($0, at: "\(block).interval") }) {
            policy.interval = value
        }
        if let value = fields["max_p95"].flatMap({ reader.duration($0, at: "\(block).max_p95") }) {
            policy.maxP95 = value
        }
        if let value = fields["min_requests"].flatMap({ reader.int($0, at: "\(block).min_requests") }) {
            policy.minRequests = value
        }
        func percent(_ key: String) -> Int? {
            guard let node = fields[key], let text = reader.string(node, at: "\(block).\(key)") else { return nil }
            guard let value = BasisPoints.parse(text) else {
                reader.fail("\(block).\(key)", node, "must be a percentage like 1% or 0.5%, got \"\(text)\"")
                return nil
            }
            return value
        }
        if let value = percent("max_error_rate") { policy.maxErrorRateBP = value }
        policy.maxErrorRateIncreaseBP = percent("max_error_rate_increase")
        policy.maxCPUBP = percent("max_cpu")
        policy.maxMemoryBP = percent("max_memory")
        if let ratioNode = fields["max_p95_ratio"], let text = reader.string(ratioNode, at: "\(block).max_p95_ratio") {
            if let ratio = Double(text.trimmingASCIIWhitespace()), ratio.isFinite {
                policy.maxP95Ratio = ratio
            } else {
                reader.fail("\(block).max_p95_ratio", ratioNode, "must be a number like 1.5, got \"\(text)\"")
            }
        }
        return policy
    }

    static func readBlueGreen(_ node: Node, reader: inout SpecNodeReader) -> BlueGreenPolicy? {
        let block = "update.blue_green"
        guard let fields = reader.mapping(node, at: block, allowed: blueGreenKeys) else { return nil }
        var policy = BlueGreenPolicy()
        if let value = fields["verify"].flatMap({ reader.duration($0, at: "\(block).verify") }) {
            policy.verify = value
        }
        if let value = fields["auto_switch"].flatMap({ reader.bool($0, at: "\(block).auto_switch") }) {
            policy.autoSwitch = value
        }
        if let value = fields["keep_old"].flatMap({ reader.duration($0, at: "\(block).keep_old") }) {
            policy.keepOld = value
        }
        return policy
    }
}
