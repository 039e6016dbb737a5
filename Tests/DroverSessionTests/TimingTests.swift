import DroverSession
import DroverTestSupport
import Testing

@Suite struct HeartbeatTrackerTests {
    let start = ContinuousClock.now

    @Test func sendsOneHeartbeatPerIntervalWithIncreasingSequence() {
        var tracker = HeartbeatTracker(interval: .seconds(5), start: start)
        #expect(tracker.tick(now: start) == .idle)
        #expect(tracker.tick(now: start + .seconds(4.9)) == .idle)
        #expect(tracker.tick(now: start + .seconds(5)) == .send(sequence: 1))
        #expect(tracker.tick(now: start + .seconds(6)) == .idle)
        tracker.answered(sequence: 1)
        #expect(tracker.tick(now: start + .seconds(10)) == .send(sequence: 2))
    }

    @Test func lostAfterThreeUnansweredIntervals() {
        var tracker = HeartbeatTracker(interval: .seconds(5), start: start)
        #expect(tracker.tick(now: start + .seconds(5)) == .send(sequence: 1))
        #expect(tracker.tick(now: start + .seconds(10)) == .send(sequence: 2))
        #expect(tracker.tick(now: start + .seconds(15)) == .send(sequence: 3))
        #expect(tracker.tick(now: start + .seconds(19.9)) == .idle)
        #expect(tracker.tick(now: start + .seconds(20)) == .lost)
    }

    @Test func answersKeepThePeerAlive() {
        var tracker = HeartbeatTracker(interval: .seconds(1), start: start)
        for second in 1...100 {
            let action = tracker.tick(now: start + .seconds(second))
            #expect(action == .send(sequence: UInt64(second)))
            let answered = tracker.answered(sequence: UInt64(second))
            #expect(answered)
        }
        #expect(tracker.outstanding == 0)
        let duplicate = tracker.answered(sequence: 1)
        #expect(!duplicate)  // a duplicate answer is not outstanding
    }

    @Test func everyNthHeartbeatIsARequestTheOthersOneWay() {
        var tracker = HeartbeatTracker(interval: .seconds(5), requestEvery: 3, start: start)
        var actions: [HeartbeatTracker.Action] = []
        for beat in 1...7 {
            actions.append(tracker.tick(now: start + .seconds(5 * beat)))
            // Requests answered late, but within their 3 intervals; 7 stays outstanding.
            if beat == 3 { _ = tracker.answered(sequence: 1) }
            if beat == 6 { _ = tracker.answered(sequence: 4) }
        }
        #expect(
            actions == [
                .send(sequence: 1), .sendOneWay(sequence: 2), .sendOneWay(sequence: 3),
                .send(sequence: 4), .sendOneWay(sequence: 5), .sendOneWay(sequence: 6), .send(sequence: 7),
            ])
        // Only requests wait for answers.
        #expect(tracker.outstanding == 1)
        let oneWayAnswered = tracker.answered(sequence: 5)
        #expect(!oneWayAnswered)
        let requestAnswered = tracker.answered(sequence: 7)
        #expect(requestAnswered)
    }

    @Test func oneWayHeartbeatsDoNotPostponeTheLossOfAnUnansweredRequest() {
        var tracker = HeartbeatTracker(interval: .seconds(5), requestEvery: 6, start: start)
        #expect(tracker.tick(now: start + .seconds(5)) == .send(sequence: 1))
        #expect(tracker.tick(now: start + .seconds(10)) == .sendOneWay(sequence: 2))
        #expect(tracker.tick(now: start + .seconds(15)) == .sendOneWay(sequence: 3))
        #expect(tracker.tick(now: start + .seconds(19.9)) == .idle)
        #expect(tracker.tick(now: start + .seconds(20)) == .lost)
    }

    @Test func anAnsweredRequestCoversTheOneWayHeartbeatsAfterIt() {
        var tracker = HeartbeatTracker(interval: .seconds(5), requestEvery: 6, start: start)
        #expect(tracker.tick(now: start + .seconds(5)) == .send(sequence: 1))
        let answered = tracker.answered(sequence: 1)
        #expect(answered)
        for beat in 2...6 {
            #expect(tracker.tick(now: start + .seconds(5 * beat)) == .sendOneWay(sequence: UInt64(beat)))
        }
        #expect(tracker.tick(now: start + .seconds(35)) == .send(sequence: 7))
        #expect(tracker.tick(now: start + .seconds(49.9)) == .sendOneWay(sequence: 8))
        #expect(tracker.tick(now: start + .seconds(50)) == .lost)
    }

    @Test func monitorDeclaresLossAfterThreeSilentIntervals() {
        var monitor = HeartbeatMonitor(interval: .seconds(5), start: start)
        #expect(!monitor.isLost(now: start + .seconds(14.9)))
        monitor.heard(at: start + .seconds(10))
        #expect(!monitor.isLost(now: start + .seconds(24.9)))
        #expect(monitor.isLost(now: start + .seconds(25)))
    }
}


/// A generator that always returns the maximum, so full jitter hits its ceiling.
struct MaxRandom: RandomNumberGenerator {
    mutating func next() -> UInt64 { .max }
}

@Suite struct ReconnectBackoffTests {
    @Test func ceilingDoublesUpToTheCap() {
        var backoff = ReconnectBackoff(base: .milliseconds(500), cap: .seconds(30))
        var generator = MaxRandom()
        let delays = (0..<10).map { _ in backoff.nextDelay(using: &generator) }
        #expect(delays.prefix(7) == [
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30),
        ])
        #expect(delays.allSatisfy { $0 <= .seconds(30) })
    }

    @Test func fullJitterStaysWithinTheCeilingAndVaries() {
        var backoff = ReconnectBackoff()
        var generator = SplitMix64(seed: 42)
        var seen: Set<Duration> = []
        for attempt in 0..<50 {
            let ceiling = backoff.ceiling
            let delay = backoff.nextDelay(using: &generator)
            #expect(delay >= .zero && delay <= ceiling, "attempt \(attempt)")
            seen.insert(delay)
        }
        #expect(seen.count > 40)
        #expect(backoff.ceiling == .seconds(30))
    }

    @Test func resetStartsOver() {
        var backoff = ReconnectBackoff()
        var generator = MaxRandom()
        for _ in 0..<5 { _ = backoff.nextDelay(using: &generator) }
        backoff.reset()
        #expect(backoff.attempt == 0)
        #expect(backoff.nextDelay(using: &generator) == .milliseconds(500))
    }

    @Test func hugeAttemptCountsDoNotOverflow() {
        var backoff = ReconnectBackoff()
        var generator = MaxRandom()
        for _ in 0..<200 { _ = backoff.nextDelay(using: &generator) }
        #expect(backoff.nextDelay(using: &generator) == .seconds(30))
    }
}
