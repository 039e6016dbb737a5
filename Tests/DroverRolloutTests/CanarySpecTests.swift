import DroverRollout
import Foundation
import Testing

@Suite("Canary and blue-green spec")
struct CanarySpecTests {
    static let base = "name: web\nimage: a\nports: {container: 80, public: 81}\n"

    static let canary =
        base + """
            update:
              strategy: canary
              canary:
                steps:
                  - {weight: 5, pause: 2m, hosts: 10%}
                  - {weight: 0.5, pause: 5m}
                  - {weight: 50, pause: manual}
                auto_promote: false
                stickiness: {cookie: drover_canary}
                allowlist: [alice, 10.0.0.7]
              analysis:
                interval: 10s
                max_error_rate: 2%
                max_p95: 300ms
                min_requests: 50
                max_error_rate_increase: 0.5%
                max_p95_ratio: 1.5
                max_cpu: 85%
                max_memory: 90%
            """

    @Test("every canary field is read")
    func canaryFields() throws {
        let spec = try ServiceSpecParser.parse(Self.canary, file: "web.yaml")
        #expect(spec.update.strategy == .canary)
        let canary = try #require(spec.update.canary)
        #expect(
            canary.steps == [
                CanaryStep(weightBP: 500, pause: .duration(.minutes(2)), hosts: .percent(10)),
                CanaryStep(weightBP: 50, pause: .duration(.minutes(5))),
                CanaryStep(weightBP: 5000, pause: .manual),
            ])
        #expect(!canary.autoPromote)
        #expect(canary.stickiness == .cookie("drover_canary"))
        #expect(canary.allowlist == ["alice", "10.0.0.7"])
        #expect(
            spec.update.analysis
                == AnalysisPolicy(
                    interval: .seconds(10), maxErrorRateBP: 200, maxP95: SpecDuration(milliseconds: 300),
                    minRequests: 50,
                    maxErrorRateIncreaseBP: 50, maxP95Ratio: 1.5, maxCPUBP: 8500, maxMemoryBP: 9000))
        // The weights go down at step 2: the validator names it.
        #expect(
            specError(at: "update.canary.steps[1].weight", in: Self.canary)?.message
                == "must not be lower than the previous step's (5%), got 0.5%")
        let decoded = try JSONDecoder().decode(ServiceSpec.self, from: JSONEncoder().encode(spec))
        #expect(decoded == spec)
    }

    @Test("defaults: analysis thresholds, auto_promote, hosts 100 %, blue-green settings")
    func defaults() throws {
        let spec = try ServiceSpecParser.load(
            Self.base + "update: {strategy: canary, canary: {steps: [{weight: 10, pause: 30s}]}}", file: "web.yaml")
        #expect(spec.update.canary?.autoPromote == true)
        #expect(spec.update.canary?.steps.first?.hosts == .percent(100))
        #expect(spec.update.effectiveAnalysis == AnalysisPolicy())
        #expect(AnalysisPolicy().maxErrorRateBP == 100 && AnalysisPolicy().minRequests == 100)
        #expect(AnalysisPolicy().maxP95 == SpecDuration(milliseconds: 500) && AnalysisPolicy().interval == .seconds(30))
        let blueGreen = try ServiceSpecParser.load(Self.base + "update: {strategy: blue-green}", file: "web.yaml")
        #expect(blueGreen.update.strategy == .blueGreen && blueGreen.update.blueGreen == nil)
        let full = try ServiceSpecParser.load(
            Self.base + "update: {strategy: blue-green, blue_green: {verify: 30s, auto_switch: false, keep_old: 10m}}",
            file: "web.yaml")
        #expect(
            full.update.blueGreen == BlueGreenPolicy(verify: .seconds(30), autoSwitch: false, keepOld: .minutes(10)))
        #expect(
            try ServiceSpecParser.load(
                Self.base
                    + "update: {strategy: canary, canary: {steps: [{weight: 10, pause: 1s}], stickiness: {header: X-User}}}",
                file: "web.yaml"
            ).update.canary?.stickiness == .header("X-User"))
        #expect(
            try ServiceSpecParser.load(
                Self.base
                    + "update: {strategy: canary, canary: {steps: [{weight: 10, pause: 1s}], stickiness: {client_address: true}}}",
                file: "web.yaml"
            ).update.canary?.stickiness == .clientAddress)
    }

    @Test(
        "every validation error names the file, the field and what is wrong",
        arguments: [
            ("{strategy: canary}", "update.canary", "is required with strategy canary"),
            ("{strategy: canary, canary: {steps: []}}", "update.canary.steps", "must have at least one step"),
            ("{strategy: canary, canary: {auto_promote: true}}", "update.canary.steps", "is required"),
            (
                "{strategy: canary, canary: {steps: [{weight: 0, pause: 1m}]}}", "update.canary.steps[0].weight",
                "must be more than 0 and at most 100"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 101, pause: 1m}]}}", "update.canary.steps[0].weight",
                "must be more than 0 and at most 100"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 0.001, pause: 1m}]}}", "update.canary.steps[0].weight",
                "at most two decimals"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 20, pause: 1m}, {weight: 10, pause: 1m}]}}",
                "update.canary.steps[1].weight", "must not be lower"
            ),
            ("{strategy: canary, canary: {steps: [{weight: 5}]}}", "update.canary.steps[0].pause", "is required"),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: 0}]}}", "update.canary.steps[0].pause",
                "must be more than 0s"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: soon}]}}", "update.canary.steps[0].pause",
                "or manual"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: 1m, hosts: 0}]}}",
                "update.canary.steps[0].hosts", "at least 1 host"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: 1m, hosts: 150%}]}}",
                "update.canary.steps[0].hosts", "from 1% to 100%"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: 1m, hosts: 50%}, {weight: 6, pause: 1m, hosts: 10%}]}}",
                "update.canary.steps[1].hosts", "must not be fewer"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: 1m, size: 2}]}}", "update.canary.steps[0].size",
                "unknown field"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: 1m}], stickiness: {cookie: a, header: b}}}",
                "update.canary.stickiness", "choose one"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: 1m}], stickiness: {cookie: \"a b\"}}}",
                "update.canary.stickiness.cookie", "cookie name"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: 1m}], stickiness: {header: \"x-user\\r\\nx-evil: 1\"}}}",
                "update.canary.stickiness.header", "header name"
            ),
            (
                "{strategy: canary, canary: {steps: [{weight: 5, pause: 1m}]}, blue_green: {verify: 1s}}",
                "update.blue_green", "is only for strategy blue-green"
            ),
            (
                "{strategy: blue-green, canary: {steps: [{weight: 5, pause: 1m}]}}", "update.canary",
                "is only for strategy canary"
            ),
            ("{canary: {steps: [{weight: 5, pause: 1m}]}}", "update.canary", "is only for strategy canary"),
            ("{analysis: {max_p95: 1s}}", "update.analysis", "only for strategies canary and blue-green"),
            ("{strategy: blue-green, analysis: {interval: 0}}", "update.analysis.interval", "must be more than 0s"),
            (
                "{strategy: blue-green, analysis: {max_error_rate: 120%}}", "update.analysis.max_error_rate",
                "from 0% to 100%"
            ),
            (
                "{strategy: blue-green, analysis: {max_error_rate: lots}}", "update.analysis.max_error_rate",
                "must be a percentage"
            ),
            ("{strategy: blue-green, analysis: {max_p95: 0}}", "update.analysis.max_p95", "must be more than 0s"),
            ("{strategy: blue-green, analysis: {min_requests: 0}}", "update.analysis.min_requests", "at least 1"),
            (
                "{strategy: blue-green, analysis: {max_error_rate_increase: 200%}}",
                "update.analysis.max_error_rate_increase", "from 0% to 100%"
            ),
            ("{strategy: blue-green, analysis: {max_p95_ratio: 0.5}}", "update.analysis.max_p95_ratio", "at least 1"),
            (
                "{strategy: blue-green, analysis: {max_p95_ratio: fast}}", "update.analysis.max_p95_ratio",
                "must be a number"
            ),
            ("{strategy: blue-green, analysis: {max_cpu: 0%}}", "update.analysis.max_cpu", "more than 0%"),
            ("{strategy: blue-green, analysis: {max_memory: 101%}}", "update.analysis.max_memory", "at most 100%"),
            ("{strategy: blue-green, blue_green: {keep_old: 0}}", "update.blue_green.keep_old", "must be more than 0s"),
            (
                "{strategy: blue-green, blue_green: {auto_switch: maybe}}", "update.blue_green.auto_switch",
                "must be true or false"
            ),
        ])
    func errors(update: String, field: String, problem: String) {
        let found = specError(at: field, in: Self.base + "update: \(update)")
        #expect(found?.message.contains(problem) == true, "\(String(describing: found))")
    }

    @Test("basis points parse percentages with at most two decimals and print back")
    func basisPoints() {
        #expect(BasisPoints.parse("1%") == 100)
        #expect(BasisPoints.parse("0.5") == 50)
        #expect(BasisPoints.parse("0.01%") == 1)
        #expect(BasisPoints.parse("100") == 10_000)
        #expect(BasisPoints.parse("0.001") == nil)
        #expect(BasisPoints.parse("x%") == nil)
        #expect(BasisPoints.text(500) == "5%" && BasisPoints.text(50) == "0.5%" && BasisPoints.text(1234) == "12.34%")
        #expect(BasisPoints.text(5) == "0.05%")
    }

    @Test("a canary rollback is a weight change and a removal: bounded without a health-check wait")
    func rollbackBudget() throws {
        let spec = try ServiceSpecParser.load(
            Self.base
                + "update: {strategy: canary, drain_timeout: 30s, canary: {steps: [{weight: 10, pause: 1m}]}}\nstop_grace: 10s",
            file: "web.yaml")
        let budget = RollbackBudget(spec: spec, hostCount: 20)
        #expect(budget.revertCanaryWorstCase == .seconds(45))
        #expect(budget.fits)
        // A promotion already under way needs a full swap back: the bound is the larger one.
        #expect(budget.worstCase >= budget.revertCanaryWorstCase)
        let rolling = try ServiceSpecParser.load(Self.base, file: "web.yaml")
        #expect(RollbackBudget(spec: rolling, hostCount: 3).revertCanaryTerms.isEmpty)
        let slow = try ServiceSpecParser.load(
            Self.base + "update: {strategy: blue-green, drain_timeout: 5m}\nstop_grace: 10s", file: "web.yaml")
        let errors = RollbackBudget(spec: slow, hostCount: 4).check(spec: slow, file: "web.yaml")
        #expect(errors.first?.field == "update.drain_timeout")
    }

    @Test("every file in examples/ parses and validates")
    func everyExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".yaml") }
            .sorted()
        #expect(files.count >= 9)
        for file in files {
            let yaml = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            let spec = try ServiceSpecParser.load(yaml, file: file)
            #expect(RollbackBudget(spec: spec, hostCount: 10).fits, "\(file)")
            if file.contains("canary") {
                let weights = spec.update.canary?.steps.map(\.weightBP)
                #expect(
                    spec.update.strategy == .canary && (weights == [1_000, 5_000] || weights == [5_000]), "\(file)")
                #expect(spec.update.canary?.stickiness == .cookie("drover_canary"))
            }
            if file.contains("bluegreen") { #expect(spec.update.strategy == .blueGreen) }
        }
    }
}
