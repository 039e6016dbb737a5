import Synchronization

/// The count of a proxy's open client connections against its cap, shared by the listener
/// (which acquires) and every event loop (whose connections release). Also the limits'
/// counters: they change only when a limit acts, never per request.
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let open = Atomic<Int>(0)
    let headTimeouts = Atomic<UInt64>(0)
    let idleTimeouts = Atomic<UInt64>(0)
    let bodyTimeouts = Atomic<UInt64>(0)
    let acceptPauses = Atomic<UInt64>(0)
    let refusedConnections = Atomic<UInt64>(0)

    init(maximum: Int) {
        self.maximum = max(1, maximum)
    }

    /// Takes a slot for a new connection; false when the cap is reached.
    func acquire() -> Bool {
        if open.add(1, ordering: .relaxed).newValue <= maximum { return true }
        open.subtract(1, ordering: .relaxed)
        return false
    }

    /// Gives a closed connection's slot back; true when the cap was reached before, so the
    /// listener may have to start accepting again.
    func release() -> Bool {
        open.subtract(1, ordering: .relaxed).oldValue >= maximum
    }

    var isFull: Bool { open.load(ordering: .relaxed) >= maximum }

    var counters: ProxyLimitCounters {
        var counters = ProxyLimitCounters()
        counters.headTimeouts = headTimeouts.load(ordering: .relaxed)
        counters.idleTimeouts = idleTimeouts.load(ordering: .relaxed)
        counters.bodyTimeouts = bodyTimeouts.load(ordering: .relaxed)
        counters.acceptPauses = acceptPauses.load(ordering: .relaxed)
        counters.refusedConnections = refusedConnections.load(ordering: .relaxed)
        return counters
    }
}
