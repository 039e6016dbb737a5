import Synchronization

/// Bounds how many accepted agent connections may be opening at once (TLS handshake, `Hello`,
/// `Welcome`, the session recorded); the accept loop waits for a slot before it takes the next
/// connection, so the rest wait in the kernel's accept queue.
///
/// Why: after a controller restart the whole fleet connects within seconds. Accepting all of
/// them at once starts thousands of handshakes that share the CPU with the sessions already
/// through theirs, so every connection opens slowly and the established count trails the
/// handshake count by thousands. Admitted in bounded numbers, each connection opens quickly and
/// the first-come ones are served first.
///
/// A slot is given back when its connection is established or ends, and at the latest after
/// ``ControllerConfiguration/openingSlotTimeout`` (the connection goes on, it only stops counting),
/// so clients that connect and stall cannot hold the listener shut.
final class OpeningLimiter: Sendable {
    /// One admitted connection's place; ``release()`` is idempotent.
    final class Slot: Sendable {
        private let limiter: OpeningLimiter
        private let released = Atomic<Bool>(false)

        fileprivate init(limiter: OpeningLimiter) {
            self.limiter = limiter
        }

        /// Gives the place back (only the first call counts).
        func release() {
            if released.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
                limiter.release()
            }
        }
    }

    private struct State: Sendable {
        var opening = 0
        /// In practice one: the accept loop.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Connections opening at once.
    let limit: Int
    private let state = Mutex(State())

    /// A limiter admitting `limit` (at least 1) at a time.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Connections holding a slot now.
    var opening: Int { state.withLock { $0.opening } }
    /// Callers waiting for a slot.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Waits until fewer than ``limit`` connections are opening; first come, first served.
    func acquire() async -> Slot {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state in
                guard state.opening < limit else {
                    state.waiters.append(waiter)
                    return false
                }
                state.opening += 1
                return true
            }
            if admitted { waiter.resume() }
        }
        return Slot(limiter: self)
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.opening -= 1
                return nil
            }
            // The slot passes straight to the longest waiter.
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
