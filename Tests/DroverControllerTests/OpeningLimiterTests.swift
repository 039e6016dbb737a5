import Synchronization
import Testing

@testable import DroverController

/// ``OpeningLimiter``: at most `limit` slots at once, waiters served first come first served,
/// a slot released twice frees one place.
@Suite struct OpeningLimiterTests {
    final class Admitted: Sendable {
        let order = Mutex<[Int]>([])
    }

    @Test func aThirdConnectionWaitsForASlotAndReleasingTwiceCountsOnce() async throws {
        let limiter = OpeningLimiter(limit: 2)
        let first = await limiter.acquire()
        let second = await limiter.acquire()
        #expect(limiter.opening == 2)

        let admitted = Admitted()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for waiter in 1...2 {
                // Queue the waiters in order: each starts once the previous one is queued.
                group.addTask {
                    let slot = await limiter.acquire()
                    admitted.order.withLock { $0.append(waiter) }
                    _ = slot
                }
                try await pollUntil { limiter.waiting == waiter }
            }
            #expect(admitted.order.withLock { $0 }.isEmpty)

            first.release()
            first.release()  // no second place
            try await pollUntil { admitted.order.withLock { $0 } == [1] }
            #expect(limiter.opening == 2)
            #expect(limiter.waiting == 1)

            second.release()
            try await group.waitForAll()
        }
        #expect(admitted.order.withLock { $0 } == [1, 2])
        #expect(limiter.opening == 2)  // the two admitted waiters hold theirs
    }
}
