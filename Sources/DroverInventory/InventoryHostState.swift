/// Where a host stands as the inventory sees it (mirrors the store's host states).
public enum InventoryHostState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Connected, reporting and taking work.
    case ready
    /// Connected once but silent for the lost interval, or disconnected.
    case lost
    /// Taking no new work (operator drain); still reporting.
    case drained
    /// Removed from the fleet; ignored from then on.
    case removed
}
