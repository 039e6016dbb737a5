import DroverProxy
import DroverRuntime
import DroverSession

extension SwapExecutor {
    /// Converges on the journal at agent start: an interrupted swap is failed and its new
    /// instances removed, the current version's instances are (re)started (recreated when
    /// gone) and its proxy started, kept instances are stopped, and strays removed (see
    /// ``RecoveryPlan``). Orders are refused until this has run.
    public func recover() async {
        guard !recovered else { return }
        var observed: [SwapOrder.Engine: [InstanceStatus]] = [:]
        for (kind, engine) in engines {
            do {
                observed[kind] = try await engine.list(labels: configuration.instanceLabels)
            } catch {
                logger.error("cannot list the \(kind.rawValue) engine's instances: \(error)")
            }
        }
        let plan = RecoveryPlan(journal: journal, observed: observed, nowUnixMs: clock.unixMillis())
        persistOrLog { $0 = plan.journal }
        for action in plan.actions {
            switch action {
            case .remove(let kind, let id, let grace):
                guard let engine = engines[kind] else { continue }
                logger.info("recovery: removing instance \(id)")
                await remove(InstanceID(id), engine: engine, grace: grace)
            case .stop(let kind, let id, let grace):
                do {
                    try await engines[kind]?.stop(InstanceID(id), grace: grace)
                } catch {
                    logger.error("recovery: cannot stop instance \(id): \(error)")
                }
            case .start(let kind, let id):
                do {
                    logger.info("recovery: starting instance \(id)")
                    try await engines[kind]?.start(InstanceID(id))
                } catch {
                    logger.error("recovery: cannot start instance \(id): \(error)")
                }
            case .recreate(let service, let lost):
                await recreate(service: service, replacing: lost)
            }
        }
        // A shutdown that came while recovering has closed the proxies already: start none then.
        for service in journal.services.keys.sorted() where accepting {
            guard let current = journal.services[service]?.current else { continue }
            do {
                let router = try makeRouter(service, current.order.proxyConfiguration(host: configuration.proxyHost))
                try await router.update(routingTable(for: service))
                let bound = try await router.start()
                guard accepting else {
                    await router.close(timeout: .zero)
                    break
                }
                proxies[service] = RunningProxy(
                    router: router, publicPort: current.order.publicPort, mode: current.order.proxyMode,
                    boundPort: bound)
            } catch {
                logger.error(
                    "recovery: cannot start the proxy of \(service) on port \(current.order.publicPort): \(error)")
            }
        }
        recovered = true
        logger.info("recovered", ["services": "\(journal.services.count)"])
    }

    /// Creates and starts a replacement for a current instance the engine lost.
    func recreate(service: String, replacing lost: SwapJournal.Instance) async {
        guard let current = journal.services[service]?.current, let engine = engines[current.order.engine],
            let index = current.instances.firstIndex(of: lost)
        else { return }
        do {
            let name = instanceName(current.order, index: index)
            let port = try allocatePort()
            let id = try await engine.create(spec(current.order, name: name, port: port))
            try await engine.start(id)
            let replacement = SwapJournal.Instance(id: id.rawValue, name: name, port: port)
            persistOrLog { journal in
                guard let position = journal.services[service]?.current?.instances.firstIndex(of: lost) else { return }
                journal.services[service]?.current?.instances[position] = replacement
            }
            logger.notice("recovery: recreated lost instance \(lost.name) as \(name)", ["service": service])
        } catch {
            logger.error("recovery: cannot recreate lost instance \(lost.name): \(error)", ["service": service])
        }
    }

    /// Swaps `service` back to the version the controller last confirmed, with that version's
    /// journalled order as a revert (kept instances reused, first passing probe enough); a
    /// running canary is removed too (aborted when the confirmed version serves).
    ///
    /// Meant for an agent that lost its controller mid-rollout; the caller decides when. A swap
    /// of the service under way is waited for first. Returns `nil` when there is no known-good
    /// version, when it already serves without a canary, or when the executor is not accepting orders.
    public func revertToKnownGood(service: String) async -> SwapResult? {
        while accepting, journal.services[service]?.swap != nil {
            // Polled: the running swap ends within its own deadlines.
            try? await Task.sleep(for: .milliseconds(20))
            if Task.isCancelled { return nil }
        }
        guard let known = journal.services[service]?.knownGood,
            journal.services[service]?.current?.version != known.version || journal.services[service]?.canary != nil
        else { return nil }
        var order = known.order
        order.revert = true
        order.canary = false
        let commandID =
            "revert-\(service)-\(clock.unixMillis())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        do {
            try admit(commandID: commandID, order: order)
        } catch {
            logger.error("cannot revert \(service) to \(known.version): \(error)")
            return nil
        }
        logger.notice("reverting \(service) to the known-good version \(known.version)", ["command.id": commandID])
        return await execute(Job(commandID: commandID, order: order))
    }
}
