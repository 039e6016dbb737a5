import DroverInventory
import DroverStore

/// Persists what ``FleetInventory`` decided: event log entries and the store's host state.
///
/// The controller calls it with the events each inventory input returned (connect, report,
/// disconnect, tick). `lost` moves a ready host to `lost` in the store; `connected` and
/// `recovered` move a lost host back to `ready`. Drained and removed hosts keep their state:
/// those are operator decisions.
public struct InventoryEventRecorder: Sendable {
    let store: any StateStore

    /// A recorder writing to `store`.
    public init(store: any StateStore) {
        self.store = store
    }

    /// Appends one event per inventory event and updates host states; returns the stored events.
    @discardableResult
    public func record(_ events: [InventoryEvent]) throws(StoreError) -> [EventRecord] {
        var stored: [EventRecord] = []
        for event in events {
            let host = try store.host(id: event.hostID)
            var details: [String: String] = [:]
            if let host { details["host.name"] = host.name }
            if let condition = event.condition { details["condition"] = condition.rawValue }
            stored.append(
                try store.appendEvent(
                    NewEvent(
                        at: event.at, kind: event.name, severity: event.isWarning ? .warning : .info,
                        hostID: event.hostID,
                        message: event.message, details: details)))
            guard let host else { continue }
            switch event.kind {
            case .lost, .disconnected:
                if host.state == .ready { _ = try store.updateHostState(id: host.id, to: .lost, now: event.at) }
            case .connected, .recovered:
                if host.state == .lost { _ = try store.updateHostState(id: host.id, to: .ready, now: event.at) }
                _ = try store.recordHostSeen(id: host.id, now: event.at)
            default:
                break
            }
        }
        return stored
    }
}
