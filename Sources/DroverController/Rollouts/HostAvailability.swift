import DroverInventory

/// Which hosts can take work right now (connected, reporting, not drained): the seam between
/// the rollout coordinator and the live fleet picture.
public protocol HostAvailability: Sendable {
    /// Ids of the hosts that are ready now.
    func readyHostIDs() -> Set<String>
}

extension SharedFleetInventory: HostAvailability {
    /// Hosts the inventory sees as ready (connected, not silent, not drained, not removed).
    public func readyHostIDs() -> Set<String> {
        withInventory { inventory in Set(inventory.hosts().filter { $0.state == .ready }.map(\.id)) }
    }
}
