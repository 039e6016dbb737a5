import DroverRuntime
import DroverSession

extension SwapExecutor {
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
