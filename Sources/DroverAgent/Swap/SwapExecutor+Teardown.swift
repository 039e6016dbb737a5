import DroverRuntime
import DroverSession

extension SwapExecutor {
    /// Takes `service` off this host: closes its proxy (requests in flight get the drain
    /// timeout), stops and removes every instance the journal knows for it and forgets it. For
    /// a `STOP` (the rollback of a first deploy: nothing ran before). Idempotent: a service that
    /// is not here is already stopped.
    ///
    /// - Returns: the version that was serving, if any; `nil` when a swap of the service is
    ///   under way (the caller should retry later) is reported as ``SwapError/busy(service:commandID:)``.
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
        var instances = [record.current, record.previous].compactMap { $0 }.flatMap { deployment in
            deployment.instances.map { ($0, deployment.order) }
        }
        if let swap = record.swap { instances += swap.instances.map { ($0, swap.order) } }
        for (instance, order) in instances {
            guard let engine = engines[order.engine] else { continue }
            try? await engine.stop(InstanceID(instance.id), grace: order.stopGrace)
            try? await engine.remove(InstanceID(instance.id))
        }
        logger.notice("service removed from this host", ["service": service, "version": record.current?.version ?? "-"])
        return record.current?.version
    }

    /// Stops and removes every instance the journal knows (current, previous and any swap's
    /// new ones) and forgets the services: for a throwaway host such as `drover dev`, whose
    /// state directory is deleted on exit. Call after ``shutdown(grace:)``.
    public func tearDown() async {
        for record in journal.services.values {
            let deployments = [record.current, record.previous].compactMap { $0 }
            var instances = deployments.flatMap { deployment in deployment.instances.map { ($0, deployment.order) } }
            if let swap = record.swap { instances += swap.instances.map { ($0, swap.order) } }
            for (instance, order) in instances {
                guard let engine = engines[order.engine] else { continue }
                try? await engine.stop(InstanceID(instance.id), grace: order.stopGrace)
                try? await engine.remove(InstanceID(instance.id))
            }
        }
        var emptied = journal
        emptied.services = [:]
        try? journalFile.save(emptied)
        journal = emptied
        logger.info("removed every service instance of this host")
    }
}
