import DroverRollout
import Testing

@Suite("Rollback budget")
struct RollbackBudgetTests {
    func spec(_ change: (inout ServiceSpec) -> Void = { _ in }) -> ServiceSpec {
        var spec = ServiceSpec(name: "web", image: "web:v1", ports: .init(container: 80, public: 8080))
        change(&spec)
        return spec
    }

    @Test("the defaults fit: 5 s + 15 s + 0 s + 2 × 5 s + 2 s + 30 s + 10 s = 1m12s")
    func defaultsFit() {
        let budget = RollbackBudget(spec: spec(), hostCount: 1000)
        #expect(budget.worstCase == .seconds(72))
        #expect(budget.fits)
        #expect(budget.check(spec: spec(), file: "web.yaml").isEmpty)
        #expect(budget.explanation.hasSuffix("= 1m12s"))
    }

    @Test("the bound does not grow with the fleet: hosts roll back in parallel")
    func parallel() {
        #expect(RollbackBudget(spec: spec(), hostCount: 1).worstCase == RollbackBudget(spec: spec(), hostCount: 5000).worstCase)
        #expect(RollbackBudget(spec: spec(), hostCount: 0).worstCase == .zero)
    }

    @Test("exactly 5 minutes fits; a millisecond more does not")
    func boundary() {
        let exact = spec { $0.update.drainTimeout = .init(milliseconds: 300_000 - 42_000) }
        #expect(RollbackBudget(spec: exact, hostCount: 3).worstCase == .minutes(5))
        #expect(RollbackBudget(spec: exact, hostCount: 3).fits)
        let over = spec { $0.update.drainTimeout = .init(milliseconds: 300_001 - 42_000) }
        #expect(!RollbackBudget(spec: over, hostCount: 3).fits)
    }

    @Test("a long start period is refused, naming the setting and the value that fits")
    func refusesStartPeriod() {
        let slow = spec { $0.health.startPeriod = .minutes(5) }
        let errors = RollbackBudget(spec: slow, hostCount: 4).check(spec: slow, file: "web.yaml")
        #expect(errors.count == 1)
        #expect(errors.first?.field == "health.start_period")
        #expect(errors.first?.message.hasPrefix("worst-case rollback across 4 hosts takes 6m12s, over the 5m limit") == true)
        #expect(errors.first?.message.hasSuffix("lower health.start_period from 5m to 3m48s or less") == true)
        // Following the advice fits.
        let fixed = spec { $0.health.startPeriod = .init(milliseconds: 228_000) }
        #expect(RollbackBudget(spec: fixed, hostCount: 4).fits)
    }

    @Test("a long drain is refused with drain_timeout as the setting to lower")
    func refusesDrain() {
        let slow = spec { $0.update.drainTimeout = .minutes(10) }
        let error = RollbackBudget(spec: slow, hostCount: 2).check(spec: slow, file: "web.yaml").first
        #expect(error?.field == "update.drain_timeout")
        #expect(error?.message.hasSuffix("lower update.drain_timeout from 10m to 4m18s or less") == true)
        #expect(error?.description.hasPrefix("web.yaml: update.drain_timeout: worst-case rollback") == true)
    }

    @Test("slow health checks are refused with the interval as the setting to lower")
    func refusesInterval() {
        let slow = spec {
            $0.health.interval = .minutes(1)
            $0.health.timeout = .seconds(30)
            $0.health.healthyThreshold = 5
        }
        // 5 + 15 + 0 + 300 + 30 + 30 + 10 = 390 s: 90 s over, 18 s less per check.
        let error = RollbackBudget(spec: slow, hostCount: 2).check(spec: slow, file: "web.yaml").first
        #expect(error?.field == "health.interval")
        #expect(error?.message.hasSuffix("lower health.interval from 1m to 42s or less") == true)
    }

    @Test("when no single setting can fix it, the message lists what to lower")
    func severalSettings() {
        let slow = spec {
            $0.health.startPeriod = .seconds(60)
            $0.update.drainTimeout = .seconds(60)
            $0.stopGrace = .seconds(60)
            $0.health.interval = .seconds(90)
            $0.health.timeout = .seconds(89)
            $0.health.healthyThreshold = 1
        }
        // 5 + 15 + 60 + 90 + 89 + 60 + 60 = 379 s: 79 s over, more than any one setting can give.
        let error = RollbackBudget(spec: slow, hostCount: 1).check(spec: slow, file: "web.yaml").first
        #expect(error?.message.contains("across 1 host takes 6m19s") == true)
        #expect(error?.message.hasSuffix("lower several of: health.interval (1m30s), health.start_period (1m), stop_grace (1m), update.drain_timeout (1m), health.healthy_threshold (1)") == true)
    }
}
