import DroverInventory

/// Inventory transitions for feeding the coordinator's observer.
enum InventoryEventFixture {
    static func lost(_ host: String, at: Int64) -> InventoryEvent {
        InventoryEvent(at: at, hostID: host, kind: .lost)
    }

    static func connected(_ host: String, at: Int64) -> InventoryEvent {
        InventoryEvent(at: at, hostID: host, kind: .connected)
    }
}
