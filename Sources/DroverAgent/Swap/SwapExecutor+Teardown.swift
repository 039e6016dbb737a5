import DroverRuntime
import DroverSession

extension SwapExecutor {
    /// Takes `service` off this host: closes its proxy (requests in flight get the drain
    /// timeout), stops and removes every instance the journal knows for it and forgets it. For
    /// a `STOP` (the rollback of a first deploy: nothing ran before). Idempotent: a service that
    /// is not here is already stopped.
    ///
    /// - Returns: the version that was serving, if any.
    /// - Throws: ``SwapError/busy(service:commandID:)`` while a swap of the service runs (retry
    ///   later); ``SwapError/journal(_:)`` when the journal cannot be written (nothing changed).
    public func removeService(_ service: String) async throws(SwapError) -> String? {
        if let running = executing[service] { throw .busy(service: service, commandID: running) }
        guard let record = journal.services[service] else { return nil }
        var next = journal
        next.services[service] = nil
        // Journal first: an agent killed halfway leaves strays that recovery removes.
        try journalFile.save(next)
        journal = next
        if let proxy = proxies.removeValue(forKey: service) {
            await proxy.router.close(timeout: record.current?.order.drainTimeout ?? .seconds(5))
        }
        var instances = [record.current, record.previous, record.canary?.deployment].compactMap { $0 }.flatMap {
            deployment in
            deployment.instances.map { ($0, deployment.order) }
        }
        if let swap = record.swap { instances += swap.instances.map { ($0, swap.order) } }
        for (instance, order) in instances {
            guard let engine = engines[order.engine] else { continue }
            await remove(InstanceID(instance.id), engine: engine, grace: order.stopGrace)
        }
        logger.notice(
            "service removed from this host", ["service": service, "version": record.current?.version ?? "-"])
        return record.current?.version
    }

    /// Removes every service of this host (``removeService(_:)`` for each): for a throwaway
    /// host such as `drover dev`, whose state directory is deleted on exit. Call after
    /// ``shutdown(grace:)``, when no swap runs.
    public func tearDown() async {
        for service in journal.services.keys.sorted() {
            do {
                _ = try await removeService(service)
            } catch {
                logger.error("cannot remove \(service): \(error)")
            }
        }
    }
}
