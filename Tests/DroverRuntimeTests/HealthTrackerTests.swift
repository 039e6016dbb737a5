import DroverRuntime
import Testing

@Suite struct HealthTrackerTests {
    let start = ContinuousClock.now

    @Test func defaultsAreFiveSecondsTwoSecondsTwoPassesThreeFailures() {
        let policy = HealthCheckPolicy()
        #expect(policy.interval == .seconds(5))
        #expect(policy.timeout == .seconds(2))
        #expect(policy.healthyThreshold == 2)
        #expect(policy.unhealthyThreshold == 3)
        #expect(policy.startPeriod == .zero)
    }

    @Test func twoPassesMakeHealthy() {
        var tracker = HealthTracker(startedAt: start)
        #expect(tracker.status == .starting)
        #expect(tracker.record(.passed, at: start + .seconds(5)) == nil)
        #expect(tracker.status == .starting)
        #expect(tracker.record(.passed, at: start + .seconds(10)) == .healthy)
        #expect(tracker.record(.passed, at: start + .seconds(15)) == nil)
        #expect(tracker.status == .healthy)
    }

    @Test func threeFailuresInARowMakeUnhealthyAndAPassResetsTheCount() {
        var tracker = HealthTracker(startedAt: start)
        tracker.record(.passed, at: start)
        tracker.record(.passed, at: start + .seconds(5))
        #expect(tracker.status == .healthy)
        #expect(tracker.record(.failed("503"), at: start + .seconds(10)) == nil)
        #expect(tracker.record(.failed("503"), at: start + .seconds(15)) == nil)
        #expect(tracker.record(.passed, at: start + .seconds(20)) == nil)  // resets the failures
        #expect(tracker.consecutiveFailures == 0)
        #expect(tracker.record(.failed("503"), at: start + .seconds(25)) == nil)
        #expect(tracker.record(.failed("503"), at: start + .seconds(30)) == nil)
        #expect(tracker.status == .healthy)
        #expect(tracker.record(.failed("timeout"), at: start + .seconds(35)) == .unhealthy)
        #expect(tracker.lastFailure == "timeout")
    }

    @Test func unhealthyRecoversAfterTwoPasses() {
        var tracker = HealthTracker(startedAt: start)
        for second in [0, 5, 10] { tracker.record(.failed("down"), at: start + .seconds(second)) }
        #expect(tracker.status == .unhealthy)
        #expect(tracker.record(.passed, at: start + .seconds(15)) == nil)
        #expect(tracker.status == .unhealthy)
        #expect(tracker.record(.passed, at: start + .seconds(20)) == .healthy)
    }

    @Test func failuresInTheStartPeriodDoNotCount() {
        let policy = HealthCheckPolicy(startPeriod: .seconds(30))
        var tracker = HealthTracker(policy: policy, startedAt: start)
        for second in stride(from: 0, to: 30, by: 5) {
            #expect(tracker.record(.failed("refused"), at: start + .seconds(second)) == nil)
        }
        #expect(tracker.status == .starting)
        #expect(tracker.consecutiveFailures == 0)
        #expect(tracker.lastFailure == "refused")
        // From the end of the start period on, failures count.
        #expect(!tracker.isInStartPeriod(at: start + .seconds(30)))
        #expect(tracker.record(.failed("refused"), at: start + .seconds(30)) == nil)
        #expect(tracker.record(.failed("refused"), at: start + .seconds(35)) == nil)
        #expect(tracker.record(.failed("refused"), at: start + .seconds(40)) == .unhealthy)
    }

    @Test func passesInTheStartPeriodCountAndEndIt() {
        let policy = HealthCheckPolicy(startPeriod: .seconds(60))
        var tracker = HealthTracker(policy: policy, startedAt: start)
        tracker.record(.passed, at: start + .seconds(1))
        #expect(tracker.record(.passed, at: start + .seconds(6)) == .healthy)
        // Healthy once: failures count even though the start period has not run out.
        tracker.record(.failed("500"), at: start + .seconds(11))
        tracker.record(.failed("500"), at: start + .seconds(16))
        #expect(tracker.record(.failed("500"), at: start + .seconds(21)) == .unhealthy)
    }

    @Test func aFailureBreaksAStreakOfPasses() {
        var tracker = HealthTracker(startedAt: start)
        tracker.record(.passed, at: start)
        tracker.record(.failed("500"), at: start + .seconds(5))
        #expect(tracker.consecutivePasses == 0)
        #expect(tracker.record(.passed, at: start + .seconds(10)) == nil)
        #expect(tracker.status == .starting)
        #expect(tracker.record(.passed, at: start + .seconds(15)) == .healthy)
    }

    @Test func customThresholds() {
        let policy = HealthCheckPolicy(healthyThreshold: 1, unhealthyThreshold: 1)
        var tracker = HealthTracker(policy: policy, startedAt: start)
        #expect(tracker.record(.passed, at: start) == .healthy)
        #expect(tracker.record(.failed("x"), at: start + .seconds(1)) == .unhealthy)
        #expect(tracker.record(.passed, at: start + .seconds(2)) == .healthy)
    }

    @Test func nextProbeIsAtTheStartThenOneIntervalAfterTheLast() {
        var tracker = HealthTracker(policy: HealthCheckPolicy(interval: .seconds(5)), startedAt: start)
        #expect(tracker.nextProbeAt == start)
        tracker.record(.passed, at: start + .seconds(1))
        #expect(tracker.nextProbeAt == start + .seconds(6))
    }
}
