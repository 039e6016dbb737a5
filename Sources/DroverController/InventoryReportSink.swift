import DroverAPI
import DroverInventory
import DroverSession
import DroverStore
import DroverWire
import Synchronization

/// The controller's production ``HostReportSink``: feeds the live ``FleetInventory`` (latest
/// report, an hour of history, liveness, threshold conditions) and keeps the store's
/// bookkeeping (last seen, connect/disconnect events) through ``StoreHostReportSink``.
///
/// Inventory transitions other than connect/disconnect (conditions raised or cleared, a host
/// going silent and recovering) are persisted as events by ``InventoryEventRecorder``; the store
/// sink already records connections, so those are not written twice.
public final class InventoryReportSink: HostReportSink {
    /// The inventory the API reads.
    public let inventory: SharedFleetInventory
    private let storeSink: StoreHostReportSink
    private let store: any StateStore
    private let recorder: InventoryEventRecorder
    private let logger: DroverLogger
    private let observer = Mutex<(any InventoryTransitionObserver)?>(nil)
    private let reportObserver = Mutex<(any HostReportObserver)?>(nil)

    /// A sink over `store`; the inventory is filled with every known host from the store.
    public init(
        store: any StateStore,
        inventory: SharedFleetInventory = SharedFleetInventory(),
        logger: DroverLogger = DroverLogger(label: "drover.controller.inventory")
    ) {
        self.store = store
        self.inventory = inventory
        self.storeSink = StoreHostReportSink(store: store, keepsLatestReports: false)
        self.recorder = InventoryEventRecorder(store: store)
        self.logger = logger
        do {
            let hosts = try store.listHosts(includeRemoved: true)
            inventory.withInventory { inventory in
                for host in hosts {
                    inventory.restore(
                        hostID: host.id, name: host.name, address: host.address, agentVersion: host.agentVersion,
                        labels: host.labels, isDrained: host.state == .drained, isRemoved: host.state == .removed,
                        lastSeenAt: host.lastSeenAt)
                }
            }
        } catch {
            logger.warning("cannot load hosts into the inventory", ["error": "\(error)"])
        }
    }

    public func hostConnected(_ host: ConnectedHost) async {
        let record = await storeSink.recordConnection(host)
        let events = inventory.withInventory { inventory in
            inventory.hostConnected(
                hostID: host.hostID, name: record?.name ?? host.hostID, address: host.address,
                agentVersion: host.agentVersion, labels: record?.labels ?? [:], now: host.connectedAt)
        }
        persist(events)
    }

    public func hostReport(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64) {
        storeSink.hostReport(hostID: hostID, report: report, receivedAt: receivedAt)
        let events = inventory.withInventory { $0.hostReport(hostID: hostID, report: report, now: receivedAt) }
        persist(events)
        // After the inventory: a host back from lost is back before its traffic counts.
        if let reportObserver = reportObserver.withLock({ $0 }) {
            reportObserver.hostReported(hostID: hostID, report: report, receivedAt: receivedAt)
        }
    }

    public func hostDisconnected(hostID: String, cause: DisconnectCause) async {
        await storeSink.hostDisconnected(hostID: hostID, cause: cause)
        // The agent reconnected before its old session ended: the newer session owns the host.
        guard cause != .replaced else { return }
        let events = inventory.withInventory { $0.hostDisconnected(hostID: hostID, now: UnixTime.nowMillis()) }
        persist(events)
    }

    public func flush() async {
        await storeSink.flush()
    }

    /// Hands every later transition (connections and disconnections included) to `observer`,
    /// e.g. the rollout coordinator, after it is recorded.
    public func observe(_ observer: any InventoryTransitionObserver) {
        self.observer.withLock { $0 = observer }
    }

    /// Hands every later host report to `observer` (e.g. the rollout coordinator, which reads
    /// the services' traffic counters for canary analysis), after the inventory has it.
    public func observeReports(_ observer: any HostReportObserver) {
        reportObserver.withLock { $0 = observer }
    }

    /// Advances liveness (hosts that stopped reporting become lost); call every second or so.
    public func tick(now: Int64) {
        persist(inventory.withInventory { $0.tick(now: now) })
    }

    private func persist(_ events: [InventoryEvent]) {
        defer {
            if !events.isEmpty, let observer = observer.withLock({ $0 }) { observer.inventoryTransitions(events) }
        }
        let fresh = events.filter { event in
            switch event.kind {
            case .connected, .disconnected: return false
            default: return true
            }
        }
        guard !fresh.isEmpty else { return }
        do {
            try recorder.record(fresh)
        } catch {
            logger.warning("cannot record inventory events", ["error": "\(error)"])
        }
        for event in fresh { logger.info(event.message, ["host.id": event.hostID, "event": event.name]) }
    }
}
