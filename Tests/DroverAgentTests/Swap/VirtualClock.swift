import DroverAgent
import Synchronization

/// A ``SwapClock`` whose time moves only when someone sleeps: a sleep jumps to its deadline
/// at once, so hours of probe intervals and deadlines pass in microseconds, in order.
final class VirtualClock: Sendable {
    private let base = ContinuousClock.now
    private let offset = Mutex(Duration.zero)
    private let unixBase: Int64 = 1_800_000_000_000

    var elapsed: Duration { offset.withLock { $0 } }

    var swapClock: SwapClock {
        SwapClock(
            now: { self.base + self.elapsed },
            sleepUntil: { deadline in
                try Task.checkCancellation()
                self.offset.withLock { offset in offset = max(offset, deadline - self.base) }
                await Task.yield()
                try Task.checkCancellation()
            },
            unixMillis: {
                self.unixBase + self.elapsed.components.seconds * 1000 + self.elapsed.components.attoseconds
                    / 1_000_000_000_000_000
            })
    }
}
