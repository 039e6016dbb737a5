import DroverInventory
import DroverStore

extension DroverRouter {
    func listHosts(_ request: APIRequest) -> APIResponse {
        if case .failure(let response) = auth.require(.viewer, for: request) { return response }
        do {
            let hosts = try FleetView.hosts(store: store, inventory: inventory.snapshot())
            return .json(HostList(hosts: hosts.map(\.summary)))
        } catch {
            return Self.storeFailure(error)
        }
    }

    func showHost(_ request: APIRequest, _ idOrName: String) -> APIResponse {
        if case .failure(let response) = auth.require(.viewer, for: request) { return response }
        guard let since = Self.historyStart(query: request.query["since_seconds"], now: now) else {
            return .error(
                status: 400, code: "bad_request",
                message: "since_seconds must be a whole number of seconds from 0 to \(Int64.max)")
        }
        do {
            guard let view = try FleetView.host(idOrName, store: store, inventory: inventory.snapshot()) else {
                return .error(status: 404, code: "not_found", message: "no host \(idOrName)")
            }
            return .json(view.detail(historySince: since))
        } catch {
            return Self.storeFailure(error)
        }
    }

    func hostAction(_ request: APIRequest, _ idOrName: String, action: String) async -> APIResponse {
        await audited(
            request, action: "host." + action, target: idOrName, role: action == "remove" ? .admin : .operator
        ) { caller in await hostActionAuthorized(caller, idOrName, action: action) }
    }

    private func hostActionAuthorized(_ caller: APITokenRecord, _ idOrName: String, action: String) async -> APIResponse {
        let now = self.now
        do {
            guard let view = try FleetView.host(idOrName, store: store, inventory: inventory.snapshot()) else {
                return .error(status: 404, code: "not_found", message: "no host \(idOrName)")
            }
            if view.state == "removed" {
                return .error(status: 409, code: "conflict", message: "host \(view.name) is already removed")
            }
            let hostID = view.id
            var revoked = 0
            var events: [InventoryEvent]
            switch action {
            case "drain", "undrain":
                let drain = action == "drain"
                if view.record != nil {
                    _ = try store.updateHostState(id: hostID, to: drain ? .drained : .ready, now: now)
                }
                events = inventory.withInventory { $0.setDrained(hostID: hostID, drain, now: now) }
                if events.isEmpty {
                    // The inventory had nothing to change (e.g. not connected): still log the operator's act.
                    events = [InventoryEvent(at: now, hostID: hostID, kind: drain ? .drained : .undrained)]
                }
            default:
                if view.record != nil {
                    let before = try store.certificates(hostID: hostID).filter { $0.revokedAt == nil }.count
                    // Moving to removed revokes the host's certificates in the same transaction.
                    _ = try store.updateHostState(id: hostID, to: .removed, now: now)
                    revoked = before + (try store.revokeCertificates(hostID: hostID, reason: "host removed", now: now))
                }
                events = inventory.withInventory { $0.remove(hostID: hostID, now: now) }
                if events.isEmpty {
                    events = [InventoryEvent(at: now, hostID: hostID, kind: .removed)]
                }
                await fleetControl.disconnect(hostID: hostID)
            }
            for event in events {
                _ = try store.appendEvent(
                    NewEvent(
                        at: event.at, kind: event.name, severity: event.isWarning ? .warning : .info, hostID: hostID,
                        message: "\(event.message) by API token \(caller.name)",
                        details: ["token.id": caller.id, "host.name": view.name]))
            }
            let after = try FleetView.host(hostID, store: store, inventory: inventory.snapshot())
            return .json(
                HostActionResult(
                    id: hostID, name: view.name, state: after?.state ?? "removed", revokedCertificates: revoked))
        } catch {
            return Self.storeFailure(error)
        }
    }

    /// The default history window of `GET /v1/hosts/{idOrName}`: one hour.
    static let defaultHistorySeconds: Int64 = 3_600
    /// Longer windows are clamped to this (a year): the controller keeps far less history, so
    /// every larger window has the same answer, and the clamp keeps `seconds * 1_000` in range.
    static let maxHistorySeconds: Int64 = 366 * 86_400

    /// The first history instant (Unix ms) for a `since_seconds` query value; nil when the
    /// value is not a non-negative whole number that fits 64 bits.
    static func historyStart(query text: String?, now: Int64) -> Int64? {
        var window = defaultHistorySeconds
        if let text {
            guard let seconds = Int64(text), seconds >= 0 else { return nil }
            window = min(seconds, maxHistorySeconds)
        }
        let (start, overflow) = now.subtractingReportingOverflow(window * 1_000)
        return overflow ? Int64.min : start
    }
}
