import DroverInventory
import DroverStore
import DroverWire

/// One host as the API shows it: the store's durable record joined with the live inventory.
struct HostView: Sendable {
    /// The durable record, if the store knows the host.
    var record: HostRecord?
    /// The live entry, if an agent session was seen since the controller started.
    var live: InventoryHost?

    var id: String { record?.id ?? live!.id }
    var name: String { live?.name ?? record!.name }

    /// Removed (store) wins, then the inventory's liveness, then a store drain.
    var state: String {
        if record?.state == .removed || live?.state == .removed { return "removed" }
        guard let live else {
            // No agent session since the controller started: a "ready" record is not reachable
            // now, so show it as lost (as FleetInventory.restore does).
            return record!.state == .ready ? "lost" : record!.state.rawValue
        }
        if live.state == .ready, record?.state == .drained { return "drained" }
        return live.state.rawValue
    }

    var summary: HostSummary {
        let sample = live?.history.last
        let report = live?.latestReport
        return HostSummary(
            id: id,
            name: name,
            address: live?.address ?? record?.address ?? "",
            state: state,
            connected: live.map { $0.isConnected && !$0.isRemoved } ?? false,
            agentVersion: live?.agentVersion ?? record?.agentVersion ?? "",
            labels: record?.labels ?? live?.labels ?? [:],
            lastSeenMs: max(live?.lastSeenAt ?? 0, record?.lastSeenAt ?? 0),
            cpuPercent: sample.map { Double($0.cpuBasisPoints) / 100 },
            memoryUsedBytes: report?.memory.usedBytes,
            memoryTotalBytes: report?.memory.totalBytes,
            diskMaxPercent: sample.flatMap { $0.diskMaxMountPoint.isEmpty ? nil : Double($0.diskMaxBasisPoints) / 100 },
            diskMaxMountpoint: sample.flatMap { $0.diskMaxMountPoint.isEmpty ? nil : $0.diskMaxMountPoint },
            load1: sample.map { Double($0.load1Milli) / 1000 },
            conditions: live?.sortedConditions.map(\.rawValue) ?? []
        )
    }

    func detail(historySince: Int64) -> HostDetail {
        let report = live?.latestReport
        let mounts = (report?.disks ?? []).map {
            HostDetail.Mount(
                mountpoint: $0.mountPoint, device: $0.device, fsType: $0.fsType, totalBytes: $0.totalBytes,
                usedBytes: $0.usedBytes, freeBytes: $0.freeBytes)
        }
        let history = (live?.history(since: historySince) ?? []).map {
            HostDetail.Point(
                at: $0.at, cpuPercent: Double($0.cpuBasisPoints) / 100, memoryUsedBytes: $0.memoryUsedBytes,
                diskMaxPercent: Double($0.diskMaxBasisPoints) / 100, load1: Double($0.load1Milli) / 1000)
        }
        return HostDetail(
            host: summary, enrolledAtMs: record?.enrolledAt ?? 0, certFingerprint: record?.certFingerprint,
            cpuCores: report.map { $0.cpu.cores }, uptimeSeconds: report.map { $0.uptimeSeconds }, mounts: mounts,
            history: history)
    }
}

/// Joins store and inventory.
enum FleetView {
    /// Every host that is not removed, ordered by name: store hosts plus hosts only the inventory knows.
    static func hosts(store: any StateStore, inventory: FleetInventory) throws(StoreError) -> [HostView] {
        let records = try store.listHosts()
        var views = records.map { HostView(record: $0, live: inventory.host(id: $0.id)) }
        let known = Set(records.map(\.id))
        for live in inventory.hosts() where !known.contains(live.id) {
            // A host removed in the store is filtered out by listHosts; keep it out here too.
            if let record = try store.host(id: live.id), record.state == .removed { continue }
            views.append(HostView(record: nil, live: live))
        }
        return views.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    /// The host with this id, or else the non-removed host with this name.
    static func host(
        _ idOrName: String, store: any StateStore, inventory: FleetInventory
    ) throws(StoreError) -> HostView? {
        var found = try store.host(id: idOrName)
        if found == nil { found = try store.host(named: idOrName) }
        if let record = found {
            return HostView(record: record, live: inventory.host(id: record.id))
        }
        if let live = inventory.host(id: idOrName) ?? inventory.host(named: idOrName) {
            return HostView(record: nil, live: live)
        }
        return nil
    }
}
