import Synchronization

/// Counts a server's open connections against a cap.
final class ConnectionCounter: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Counts one more connection if that stays within the cap.
    func acquire() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = open.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// A counted connection closed.
    func release() {
        open.subtract(1, ordering: .acquiringAndReleasing)
    }

    /// Connections counted now.
    var count: Int { open.load(ordering: .relaxed) }
}
