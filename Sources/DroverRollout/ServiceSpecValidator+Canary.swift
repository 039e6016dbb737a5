/// Checks of `update.canary`, `update.analysis` and `update.blue_green`.
extension ServiceSpecValidator {
    static func validateTrafficStrategies(_ update: UpdatePolicy, fail: (String, String) -> Void) {
        switch update.strategy {
        case .canary:
            if let canary = update.canary {
                validateCanary(canary, fail: fail)
            } else {
                fail("update.canary", "is required with strategy canary: steps like - {weight: 5, pause: 2m}")
            }
        case .rolling, .blueGreen:
            if update.canary != nil {
                fail("update.canary", "is only for strategy canary, but update.strategy is \(update.strategy.rawValue)")
            }
        }
        if update.strategy != .blueGreen, update.blueGreen != nil {
            fail(
                "update.blue_green",
                "is only for strategy blue-green, but update.strategy is \(update.strategy.rawValue)")
        }
        if update.strategy == .rolling, update.analysis != nil {
            fail(
                "update.analysis",
                "is only for strategies canary and blue-green; a rolling update is judged by health checks")
        }
        if let analysis = update.analysis { validateAnalysis(analysis, fail: fail) }
        if let blueGreen = update.blueGreen, blueGreen.keepOld.milliseconds <= 0 {
            fail("update.blue_green.keep_old", "must be more than 0s, got \(blueGreen.keepOld)")
        }
    }

    private static func validateCanary(_ canary: CanaryPolicy, fail: (String, String) -> Void) {
        if canary.steps.isEmpty {
            fail("update.canary.steps", "must have at least one step like - {weight: 5, pause: 2m}")
        }
        var previous: CanaryStep?
        for (index, step) in canary.steps.enumerated() {
            let field = "update.canary.steps[\(index)]"
            if !(1...10_000).contains(step.weightBP) {
                fail(
                    "\(field).weight",
                    "must be more than 0 and at most 100 (percent), got \(BasisPoints.text(step.weightBP))")
            } else if let previous, step.weightBP < previous.weightBP {
                fail(
                    "\(field).weight",
                    "must not be lower than the previous step's (\(BasisPoints.text(previous.weightBP))), got \(BasisPoints.text(step.weightBP))"
                )
            }
            if case .duration(let duration) = step.pause, duration.milliseconds <= 0 {
                fail("\(field).pause", "must be more than 0s, or manual")
            }
            switch step.hosts {
            case .count(let count) where count < 1:
                fail("\(field).hosts", "must be at least 1 host, got \(count)")
            case .percent(let percent) where !(1...100).contains(percent):
                fail("\(field).hosts", "must be a percentage from 1% to 100%, got \(percent)%")
            default:
                if let previous, shrinks(from: previous.hosts, to: step.hosts) {
                    fail(
                        "\(field).hosts",
                        "must not be fewer than the previous step's (\(previous.hosts)), got \(step.hosts)")
                }
            }
            previous = step
        }
        for (index, key) in canary.allowlist.enumerated() where key.isEmpty {
            fail("update.canary.allowlist[\(index)]", "must not be empty")
        }
        switch canary.stickiness {
        case .cookie(let name) where !Self.isHTTPToken(name):
            fail(
                "update.canary.stickiness.cookie",
                "must be a cookie name of letters, digits and !#$%&'*+-.^_`|~ only, got \"\(name)\"")
        case .header(let name) where !Self.isHTTPToken(name):
            fail(
                "update.canary.stickiness.header",
                "must be a header name of letters, digits and !#$%&'*+-.^_`|~ only, got \"\(name)\"")
        default:
            break
        }
    }

    /// Whether `name` is an HTTP token (RFC 9110 §5.6.2), as cookie and header names must be.
    static func isHTTPToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                        || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
            }
    }

    /// Whether `next` names fewer hosts than `previous` for every fleet size (a count after a
    /// percentage, or the reverse, depends on the fleet and is allowed).
    private static func shrinks(from previous: HostShare, to next: HostShare) -> Bool {
        switch (previous, next) {
        case (.count(let a), .count(let b)), (.percent(let a), .percent(let b)): b < a
        default: false
        }
    }

    private static func validateAnalysis(_ analysis: AnalysisPolicy, fail: (String, String) -> Void) {
        let block = "update.analysis"
        if analysis.interval.milliseconds <= 0 {
            fail("\(block).interval", "must be more than 0s")
        }
        if !(0...10_000).contains(analysis.maxErrorRateBP) {
            fail("\(block).max_error_rate", "must be from 0% to 100%, got \(BasisPoints.text(analysis.maxErrorRateBP))")
        }
        if analysis.maxP95.milliseconds <= 0 {
            fail("\(block).max_p95", "must be more than 0s")
        }
        if analysis.minRequests < 1 {
            fail("\(block).min_requests", "must be at least 1, got \(analysis.minRequests)")
        }
        if let increase = analysis.maxErrorRateIncreaseBP, !(0...10_000).contains(increase) {
            fail("\(block).max_error_rate_increase", "must be from 0% to 100%, got \(BasisPoints.text(increase))")
        }
        if let ratio = analysis.maxP95Ratio, !(ratio >= 1) {
            fail("\(block).max_p95_ratio", "must be at least 1 (canary p95 / stable p95), got \(ratio)")
        }
        for (key, value) in [("max_cpu", analysis.maxCPUBP), ("max_memory", analysis.maxMemoryBP)] {
            if let value, !(1...10_000).contains(value) {
                fail("\(block).\(key)", "must be more than 0% and at most 100%, got \(BasisPoints.text(value))")
            }
        }
    }
}
