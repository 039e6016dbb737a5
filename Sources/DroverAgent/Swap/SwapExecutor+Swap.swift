import DroverProxy
import DroverRuntime
import DroverSession

extension SwapExecutor {
    /// Runs one admitted swap to its end and publishes its result.
    func execute(_ job: Job) async -> SwapResult {
        let service = job.order.service
        guard journal.services[service]?.swap?.commandID == job.commandID else {
            // Ended before it started (shutdown): its result is already journalled.
            return journal.commands[job.commandID]?.result
                ?? SwapResult(
                    outcome: .cancelled, message: "the swap never started", startedUnixMs: clock.unixMillis(),
                    finishedUnixMs: clock.unixMillis())
        }
        executing[service] = job.commandID
        defer { executing[service] = nil }
        let result = await swap(commandID: job.commandID, order: job.order)
        report(job.commandID, job.order, .finished, result.message, result: result)
        logger.notice(
            "swap \(result.outcome.rawValue): \(result.message)",
            [
                "command.id": job.commandID, "service": service, "version": job.order.version,
            ])
        return result
    }

    /// The swap itself: new instances up and healthy, then traffic moved, then the old stopped.
    ///
    /// Until traffic moves, any failure (or cancellation) removes the new instances and leaves
    /// the old version serving untouched. From the shift on, the swap always completes.
    func swap(commandID: String, order: SwapOrder) async -> SwapResult {
        let service = order.service
        let startedUnixMs = journal.commands[commandID]?.startedUnixMs ?? clock.unixMillis()
        let old = journal.services[service]?.current
        var details = ["version": order.version, "port": String(order.publicPort)]
        func ended(_ outcome: SwapResult.Outcome, _ message: String, _ extra: [String: String] = [:]) -> SwapResult {
            SwapResult(
                outcome: outcome, message: message, startedUnixMs: startedUnixMs, finishedUnixMs: clock.unixMillis(),
                details: details.merging(extra) { $1 })
        }
        guard let engine = engines[order.engine] else {
            let result = ended(.failed, SwapError.engineUnavailable(order.engine).description)
            persistOrLog { $0.abandon(service: service, result: result) }
            return result
        }
        if order.canary {
            return await canarySwap(commandID: commandID, order: order, engine: engine, startedUnixMs: startedUnixMs)
        }
        if let record = journal.services[service], let canary = record.canary {
            if canary.deployment.version == order.version {
                return await promote(commandID: commandID, order: order, startedUnixMs: startedUnixMs)
            }
            if record.swap?.isCanaryAbort(in: record) == true {
                return await abortCanary(commandID: commandID, order: order, startedUnixMs: startedUnixMs)
            }
        }
        // A canary of another version ends with this swap: drained beside the old version, then removed.
        let retiring = journal.services[service]?.canary?.deployment

        // Up to the shift: new instances, started and healthy.
        let instances: [SwapJournal.Instance]
        do {
            instances = try await startInstances(commandID: commandID, order: order, engine: engine)
            details["instances"] = instances.map(\.id).joined(separator: ",")
            try advance(.healthChecking, commandID, order, "waiting for \(order.version) to be healthy")
            switch await awaitHealthy(instances, order: order, engine: engine) {
            case .healthy:
                break
            case .failed(let observed, let threshold, let timedOut):
                let result = ended(
                    timedOut ? .timedOut : .failed,
                    "\(order.version) is not healthy (\(observed)); \(old.map { "\($0.version) keeps serving" } ?? "nothing deployed")",
                    ["observed": observed, "threshold": threshold])
                await discardNewInstances(service: service, order: order, engine: engine, result: result)
                return result
            case .cancelled:
                throw CancellationError()
            }
            try Task.checkCancellation()
            try advance(.shifting, commandID, order, "moving traffic to \(order.version)")
            try await shiftTraffic(service: service, order: order, to: instances, from: old, alsoDraining: retiring)
        } catch {
            let cancelled = error is CancellationError || Task.isCancelled
            let result =
                cancelled
                ? ended(
                    .cancelled,
                    "cancelled before traffic moved; \(old.map { "\($0.version) keeps serving" } ?? "nothing deployed")"
                )
                : ended(.failed, "\(error)")
            await discardNewInstances(service: service, order: order, engine: engine, result: result)
            return result
        }

        // From the shift on: no way back, only forward.
        var message = "\(order.version) serves \(service) on port \(order.publicPort)"
        if old != nil || retiring != nil {
            persistOrLog { $0.begin(.draining, service: service) }
            report(
                commandID, order, .draining,
                "draining \([old, retiring].compactMap { $0?.version }.joined(separator: " and "))")
            let forced = await drainOld(
                service: service, order: order, draining: [old, retiring].compactMap { $0 },
                then: routingTable(backends(instances, version: order.version), stickiness: order.stickiness))
            if forced > 0 { details["forceClosed"] = String(forced) }
        }
        if let retiring {
            await removeInstances(retiring, grace: patience(order.stopGrace))
            details["canaryRemoved"] = retiring.version
        }
        if let old {
            persistOrLog { $0.begin(.stoppingOld, service: service) }
            report(commandID, order, .stoppingOld, "stopping \(old.version)")
            let problems = await stopInstances(old, grace: patience(order.stopGrace))
            if !problems.isEmpty { details["stopErrors"] = problems.joined(separator: "; ") }
            details["previous"] = old.version
            message += "; \(old.version) stopped and kept for rollback"
        }
        // The version before the old one goes before the commit, so the result describes the
        // host as it is; cut short here, recovery forgets the kept instances that are gone.
        if let older = journal.superseded(service: service) { await removeInstances(older) }
        let result = ended(.succeeded, message)
        persistOrLog { $0.commit(service: service, result: result) }
        return result
    }

    // MARK: - steps

    /// `wait`, or nothing once the swap is cancelled (shutdown past its grace): the engines and
    /// the proxy poll with sleeps that return at once in a cancelled task, so waiting the full
    /// time would spin; instances are then killed and requests in flight cut off.
    func patience(_ wait: Duration) -> Duration {
        Task.isCancelled ? .zero : wait
    }

    /// Journals and reports the next step; throws when the journal cannot be written.
    func advance(_ step: SwapStep, _ commandID: String, _ order: SwapOrder, _ message: String) throws(SwapError) {
        try persist { $0.begin(step, service: order.service) }
        report(commandID, order, step, message)
    }

    /// Pulls the image, then creates and starts the new instances (or, for a revert, starts the
    /// kept instances of that version again when the engine still has all of them).
    func startInstances(
        commandID: String, order: SwapOrder, engine: any ContainerEngine
    ) async throws -> [SwapJournal.Instance] {
        let service = order.service
        if order.revert, let kept = journal.services[service]?.previous, kept.version == order.version,
            kept.order.engine == order.engine, !kept.instances.isEmpty,
            await engine.hasAll(kept.instances)
        {
            try advance(.creating, commandID, order, "starting the kept instances of \(order.version)")
            for instance in kept.instances {
                try persist { $0.reused(instance, service: service) }
                try await engine.start(InstanceID(instance.id))
            }
            return kept.instances
        }
        if order.engine == .docker, let image = order.image {
            try advance(.pullingImage, commandID, order, "making sure \(image) is present")
            try await engine.ensureImage(image)
        }
        try advance(.creating, commandID, order, "starting \(order.instances) instance(s) of \(order.version)")
        var instances: [SwapJournal.Instance] = []
        for index in 0..<order.instances {
            try Task.checkCancellation()
            let name = instanceName(order, index: index)
            try persist { $0.plan(instanceNamed: name, service: service) }
            let port = try allocatePort()
            let id = try await engine.create(spec(order, name: name, port: port))
            let instance = SwapJournal.Instance(id: id.rawValue, name: name, port: port)
            try persist { $0.created(instance, service: service) }
            try await engine.start(id)
            instances.append(instance)
        }
        return instances
    }

    /// The engine spec of one new instance.
    func spec(_ order: SwapOrder, name: String, port: Int) -> InstanceSpec {
        let workload: InstanceSpec.Workload =
            switch order.engine {
            case .docker: .image(order.image ?? "", command: order.command)
            case .process: .command(order.command ?? [])
            }
        return InstanceSpec(
            name: name, service: order.service, version: order.version, instance: name, workload: workload,
            environment: order.environment,
            port: PortMapping(
                containerPort: order.engine == .docker ? order.containerPort : port, hostPort: port,
                hostAddress: configuration.instanceHost),
            extraLabels: configuration.instanceLabels)
    }

    /// `SERVICE-VERSION-RANDOM-INDEX`, with the version reduced to name-safe characters.
    func instanceName(_ order: SwapOrder, index: Int) -> String {
        let version = String(
            String.UnicodeScalarView(
                order.version.unicodeScalars.prefix(40).map { scalar in
                    ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                        || scalar == "." || scalar == "_" || scalar == "-"
                        ? scalar : "_"
                }))
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(order.service)-\(version)-\(token)-\(index)"
    }

    /// Waits for every new instance to be healthy; the first that is not decides.
    func awaitHealthy(
        _ instances: [SwapJournal.Instance], order: SwapOrder, engine: any ContainerEngine
    ) async -> HealthGate.Verdict {
        let policy = HealthGate.policy(for: order)
        let gates = instances.map { instance in
            HealthGate(
                check: healthCheck(order, instance: instance, engine: engine), policy: policy,
                deadline: order.healthyDeadline, clock: clock,
                state: { try? await engine.inspect(InstanceID(instance.id)).state })
        }
        return await withTaskGroup(of: HealthGate.Verdict.self) { group in
            for gate in gates { group.addTask { await gate.wait() } }
            var verdict = HealthGate.Verdict.healthy
            for await next in group where next != .healthy {
                verdict = next
                group.cancelAll()
                break
            }
            return verdict
        }
    }

    /// The probe an order asks for, aimed at one instance.
    func healthCheck(_ order: SwapOrder, instance: SwapJournal.Instance, engine: any ContainerEngine) -> any HealthCheck
    {
        switch order.health {
        case .http(let path, let status):
            HTTPHealthCheck(host: configuration.instanceHost, port: instance.port, path: path, expectedStatus: status)
        case .tcp:
            TCPHealthCheck(host: configuration.instanceHost, port: instance.port)
        case .exec(let command):
            ExecHealthCheck(engine: engine, instance: InstanceID(instance.id), command: command)
        }
    }

    /// The proxy backends of a deployment's instances, sharing 100 % of the traffic.
    func backends(_ instances: [SwapJournal.Instance], version: String) -> [Backend] {
        let share = RoutingTable.fullWeight / max(instances.count, 1)
        return instances.enumerated().map { index, instance in
            Backend(
                id: instance.id, version: version, host: configuration.instanceHost, port: instance.port,
                weight: index == 0 ? RoutingTable.fullWeight - share * (instances.count - 1) : share)
        }
    }

    /// A table of `backends` with the stickiness and canary allowlist of `stickiness`.
    func routingTable(_ backends: [Backend], canaryVersion: String? = nil, stickiness: Stickiness?) -> RoutingTable {
        RoutingTable(
            backends: backends, canaryVersion: canaryVersion, stickiness: stickiness?.keySource,
            canaryAllowlist: Set(stickiness?.allowlist ?? []))
    }

    /// The backends of deployments on their way out: weight 0, draining.
    func drainingBackends(_ deployments: [SwapJournal.Deployment]) -> [Backend] {
        deployments.flatMap { backends($0.instances, version: $0.version) }.map {
            Backend(id: $0.id, version: $0.version, host: $0.host, port: $0.port, weight: 0, state: .draining)
        }
    }

    /// Gives the new instances all the traffic. The old backends (and a canary's, with
    /// `alsoDraining`) stay in the table, draining, so requests already on them finish; a new
    /// proxy is started on a first deploy (or when the public port changes).
    func shiftTraffic(
        service: String, order: SwapOrder, to instances: [SwapJournal.Instance], from old: SwapJournal.Deployment?,
        alsoDraining retiring: SwapJournal.Deployment? = nil
    ) async throws {
        let incoming = backends(instances, version: order.version)
        if let proxy = proxies[service], proxy.publicPort == order.publicPort, proxy.mode == order.proxyMode {
            let draining = drainingBackends([old, retiring].compactMap { $0 })
            try await proxy.router.update(routingTable(incoming + draining, stickiness: order.stickiness))
            return
        }
        if let same = proxies[service], same.publicPort == order.publicPort {
            // The mode changed on the same port: the old listener must go before the new one binds.
            proxies[service] = nil
            await same.router.close(timeout: patience(order.drainTimeout))
        }
        let router = try makeRouter(service, order.proxyConfiguration(host: configuration.proxyHost))
        let bound: Int
        do {
            try await router.update(routingTable(incoming, stickiness: order.stickiness))
            bound = try await router.start()
        } catch {
            await router.close(timeout: .zero)
            throw SwapError.notReady(
                "cannot start the proxy on \(configuration.proxyHost):\(order.publicPort): \(error)")
        }
        let replaced = proxies[service]
        proxies[service] = RunningProxy(
            router: router, publicPort: order.publicPort, mode: order.proxyMode, boundPort: bound)
        if let replaced {
            // The public port changed: the old listener finishes what it has, then goes.
            await replaced.router.close(timeout: patience(order.drainTimeout))
        }
    }

    /// Drains the backends of `draining` (all at once, each up to the drain timeout), then
    /// drops them from the table by installing `table`. Returns how many requests had to be cut off.
    func drainOld(
        service: String, order: SwapOrder, draining: [SwapJournal.Deployment], then table: RoutingTable
    ) async -> Int {
        guard let proxy = proxies[service]?.router else { return 0 }
        let timeout = patience(order.drainTimeout)
        let forced = await withTaskGroup(of: Int.self) { group in
            for instance in draining.flatMap(\.instances) {
                group.addTask { await proxy.drain(backendID: instance.id, timeout: timeout).forceClosed }
            }
            return await group.reduce(0, +)
        }
        do {
            try await proxy.update(table)
        } catch {
            logger.error("cannot drop the drained backends: \(error)", ["service": service])
        }
        return forced
    }

    /// Stops a deployment's instances (kept, not removed); returns the errors.
    func stopInstances(_ deployment: SwapJournal.Deployment, grace: Duration) async -> [String] {
        guard let engine = engines[deployment.order.engine] else {
            return ["no \(deployment.order.engine.rawValue) engine to stop \(deployment.version)"]
        }
        var problems: [String] = []
        for instance in deployment.instances {
            do {
                try await engine.stop(InstanceID(instance.id), grace: grace)
            } catch {
                problems.append("\(instance.name): \(error)")
                logger.error("cannot stop \(instance.name): \(error)", ["service": deployment.order.service])
            }
        }
        return problems
    }

    /// Stops (with `grace`) and removes a deployment's instances (a version no longer kept).
    func removeInstances(_ deployment: SwapJournal.Deployment, grace: Duration = .zero) async {
        guard let engine = engines[deployment.order.engine] else { return }
        for instance in deployment.instances {
            await remove(InstanceID(instance.id), engine: engine, grace: grace)
        }
    }

    /// Stops and removes one instance; a missing instance is fine, other errors are logged.
    func remove(_ id: InstanceID, engine: any ContainerEngine, grace: Duration) async {
        do {
            try await engine.stop(id, grace: grace)
            try await engine.remove(id)
        } catch .noSuchInstance {
            return
        } catch {
            logger.error("cannot remove instance \(id): \(error)")
        }
    }

    /// After a failed or cancelled swap: removes the instances it created, stops the kept ones
    /// it started again, and journals the result. The old version was never touched.
    func discardNewInstances(
        service: String, order: SwapOrder, engine: any ContainerEngine, result: SwapResult
    ) async {
        if let swap = journal.services[service]?.swap {
            let createdNames = Set(swap.created.map(\.name))
            for instance in swap.created {
                await remove(InstanceID(instance.id), engine: engine, grace: patience(order.stopGrace))
            }
            // Created by the engine but not journalled (the create call failed after all, or was cut short).
            for name in swap.planned where !createdNames.contains(name) {
                if let found = try? await engine.list(labels: [DroverLabels.instance: name]).first {
                    await remove(found.id, engine: engine, grace: .zero)
                }
            }
            for instance in swap.reused {
                do {
                    try await engine.stop(InstanceID(instance.id), grace: patience(order.stopGrace))
                } catch {
                    logger.error("cannot stop \(instance.name) again: \(error)", ["service": service])
                }
            }
        }
        persistOrLog { $0.abandon(service: service, result: result) }
    }
}

extension ContainerEngine {
    /// Whether the engine still has every one of these instances.
    func hasAll(_ instances: [SwapJournal.Instance]) async -> Bool {
        for instance in instances {
            guard (try? await inspect(InstanceID(instance.id))) != nil else { return false }
        }
        return true
    }
}
