import NIOConcurrencyHelpers

/// A one-shot "stop now" flag that tasks can wait for; triggering is idempotent.
public final class ShutdownSignal: Sendable {
    private struct State {
        var triggered = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// A signal that has not fired.
    public init() {}

    /// Whether it fired.
    public var isTriggered: Bool { state.withLockedValue { $0.triggered } }

    /// Fires the signal and wakes every waiter.
    public func trigger() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard !state.triggered else { return [] }
            state.triggered = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the signal has fired.
    public func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let fired = state.withLockedValue { state -> Bool in
                if state.triggered { return true }
                state.waiters.append(continuation)
                return false
            }
            if fired { continuation.resume() }
        }
    }
}
