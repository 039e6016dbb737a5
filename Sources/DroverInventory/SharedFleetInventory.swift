import Synchronization

/// A ``FleetInventory`` shared between the agent sessions that feed it and the API that reads it.
///
/// A lock, not an actor, so event-loop code can call it synchronously. Every call is short.
public final class SharedFleetInventory: Sendable {
    private let state: Mutex<FleetInventory>

    /// Wraps `inventory`.
    public init(_ inventory: FleetInventory = FleetInventory()) {
        state = Mutex(inventory)
    }

    /// Runs `body` with exclusive access; use it to feed inputs and collect their events.
    public func withInventory<Result: Sendable>(
        _ body: (inout FleetInventory) throws -> Result
    ) rethrows -> Result {
        try state.withLock { try body(&$0) }
    }

    /// A copy of the current inventory, for reading without holding the lock.
    public func snapshot() -> FleetInventory {
        state.withLock { $0 }
    }
}
