import DroverInventory

/// Hears the fleet inventory's transitions (connected, lost, recovered, …) as they happen; the
/// rollout coordinator turns them into host lost/back inputs.
public protocol InventoryTransitionObserver: Sendable {
    /// Transitions just decided, in order. Called synchronously: return quickly.
    func inventoryTransitions(_ events: [InventoryEvent])
}
