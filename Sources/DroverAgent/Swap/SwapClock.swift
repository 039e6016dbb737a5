import DroverSession

/// The time source of the swap executor, injected so tests drive health deadlines and probe
/// intervals without waiting for them.
public struct SwapClock: Sendable {
    /// Monotonic now (probe schedules and deadlines).
    public var now: @Sendable () -> ContinuousClock.Instant
    /// Sleeps until an instant; throws when the task is cancelled.
    public var sleepUntil: @Sendable (ContinuousClock.Instant) async throws -> Void
    /// Wall-clock now in Unix milliseconds (timestamps in results and the journal).
    public var unixMillis: @Sendable () -> Int64

    /// A clock from its three parts.
    public init(
        now: @escaping @Sendable () -> ContinuousClock.Instant,
        sleepUntil: @escaping @Sendable (ContinuousClock.Instant) async throws -> Void,
        unixMillis: @escaping @Sendable () -> Int64
    ) {
        self.now = now
        self.sleepUntil = sleepUntil
        self.unixMillis = unixMillis
    }

    /// The real clocks.
    public static let live = SwapClock(
        now: { ContinuousClock.now },
        sleepUntil: { try await ContinuousClock().sleep(until: $0) },
        unixMillis: { UnixTime.nowMillis() })
}
