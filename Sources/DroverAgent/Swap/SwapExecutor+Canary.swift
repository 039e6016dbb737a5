import DroverProxy
import DroverRuntime
import DroverSession

/// Canaries (Protocol/README.md §7.3.1): a version started beside the serving one with a share
/// of the traffic, its weight changed, promoted to serving, or aborted. Blue-green is the same
/// with a canary at weight 0 that then gets 10,000.
extension SwapExecutor {
    /// The service's table as the journal says: the current version and its canary at the
    /// canary's weight, with the stickiness in force, plus `draining` backends at weight 0.
    func routingTable(for service: String, draining: [SwapJournal.Deployment] = []) -> RoutingTable {
        guard let record = journal.services[service], let current = record.current else { return RoutingTable() }
        let stickiness = record.stickiness
        var table = WeightSplit.table(
            stable: backends(current.instances, version: current.version),
            canary: record.canary.map { backends($0.deployment.instances, version: $0.deployment.version) } ?? [],
            canaryVersion: record.canary?.deployment.version ?? "", canaryWeight: record.canary?.weight ?? 0,
            stickiness: stickiness?.keySource, canaryAllowlist: Set(stickiness?.allowlist ?? []))
        table.backends += drainingBackends(draining)
        return table
    }

    /// A canary order: new instances beside the serving version, healthy, then given the
    /// order's weight; a running canary of another version is replaced (drained and removed
    /// after the new one took its place), one of the same version only gets the new weight.
    func canarySwap(
        commandID: String, order: SwapOrder, engine: any ContainerEngine, startedUnixMs: Int64
    ) async
        -> SwapResult
    {
        let service = order.service
        var details = [
            "version": order.version, "port": String(order.publicPort), "canaryWeight": String(order.canaryWeight),
        ]
        func ended(_ outcome: SwapResult.Outcome, _ message: String, _ extra: [String: String] = [:]) -> SwapResult {
            SwapResult(
                outcome: outcome, message: message, startedUnixMs: startedUnixMs, finishedUnixMs: clock.unixMillis(),
                details: details.merging(extra) { $1 })
        }
        func refuse(_ message: String) -> SwapResult {
            let result = ended(.failed, message)
            persistOrLog { $0.abandon(service: service, result: result) }
            return result
        }
        guard let stable = journal.services[service]?.current else {
            return refuse("a canary needs a serving version of \(service) on this host; nothing deployed")
        }
        guard let proxy = proxies[service], proxy.publicPort == order.publicPort, proxy.mode == order.proxyMode else {
            return refuse(
                "a canary must use the proxy of \(stable.version) (port \(stable.order.publicPort), "
                    + "\(stable.order.proxyMode.rawValue) mode); \(stable.version) keeps serving")
        }
        let replacing = journal.services[service]?.canary?.deployment
        if let replacing, replacing.version == order.version {
            // The same canary again: only its weight (and stickiness) change; nothing restarts.
            return await changeWeight(
                service: service, version: order.version, weight: order.canaryWeight, stickiness: order.stickiness,
                router: proxy.router, startedUnixMs: startedUnixMs
            ) { result in self.persistOrLog { $0.abandon(service: service, result: result) } }
        }

        let instances: [SwapJournal.Instance]
        var settled = RoutingTable()
        do {
            instances = try await startInstances(commandID: commandID, order: order, engine: engine)
            details["instances"] = instances.map(\.id).joined(separator: ",")
            try advance(.healthChecking, commandID, order, "waiting for canary \(order.version) to be healthy")
            switch await awaitHealthy(instances, order: order, engine: engine) {
            case .healthy:
                break
            case .failed(let observed, let threshold, let timedOut):
                let result = ended(
                    timedOut ? .timedOut : .failed,
                    "canary \(order.version) is not healthy (\(observed)); removed, \(stable.version) keeps serving",
                    ["observed": observed, "threshold": threshold])
                await discardNewInstances(service: service, order: order, engine: engine, result: result)
                return result
            case .cancelled:
                throw CancellationError()
            }
            try Task.checkCancellation()
            try advance(.shifting, commandID, order, "giving canary \(order.version) \(order.canaryWeight) bp")
            settled = WeightSplit.table(
                stable: backends(stable.instances, version: stable.version),
                canary: backends(instances, version: order.version), canaryVersion: order.version,
                canaryWeight: order.canaryWeight, stickiness: order.stickiness?.keySource,
                canaryAllowlist: Set(order.stickiness?.allowlist ?? []))
            var table = settled
            table.backends += drainingBackends([replacing].compactMap { $0 })
            try await proxy.router.update(table)
        } catch {
            let cancelled = error is CancellationError || Task.isCancelled
            let result = ended(
                cancelled ? .cancelled : .failed,
                cancelled ? "cancelled before the canary got traffic; \(stable.version) keeps serving" : "\(error)")
            await discardNewInstances(service: service, order: order, engine: engine, result: result)
            return result
        }

        // The canary has its traffic: from here on only forward.
        var message =
            "canary \(order.version) of \(service) runs beside \(stable.version) with \(order.canaryWeight) bp"
        if let replacing {
            persistOrLog { $0.begin(.draining, service: service) }
            report(commandID, order, .draining, "draining the replaced canary \(replacing.version)")
            let forced = await drainOld(service: service, order: order, draining: [replacing], then: settled)
            if forced > 0 { details["forceClosed"] = String(forced) }
            // Removed before the commit, so the result describes the host as it is; cut short
            // here, recovery removes the new canary and forgets the old one's vanished instances.
            await removeInstances(replacing, grace: patience(order.stopGrace))
            details["canaryRemoved"] = replacing.version
            message += "; canary \(replacing.version) removed"
        }
        let result = ended(.succeeded, message)
        persistOrLog { $0.commitCanary(service: service, result: result) }
        return result
    }

    /// A promotion: the running canary's instances get all the traffic (none is started), the
    /// serving version is drained and stopped (kept for a fast rollback), and the canary becomes
    /// the serving version.
    func promote(commandID: String, order: SwapOrder, startedUnixMs: Int64) async -> SwapResult {
        let service = order.service
        var details = ["version": order.version, "port": String(order.publicPort)]
        func ended(_ outcome: SwapResult.Outcome, _ message: String) -> SwapResult {
            SwapResult(
                outcome: outcome, message: message, startedUnixMs: startedUnixMs, finishedUnixMs: clock.unixMillis(),
                details: details)
        }
        guard let record = journal.services[service], let canary = record.canary, let stable = record.current,
            let proxy = proxies[service], proxy.publicPort == order.publicPort, proxy.mode == order.proxyMode
        else {
            let result = ended(
                .failed, "cannot promote \(order.version): its proxy does not run on port \(order.publicPort) here")
            persistOrLog { $0.abandon(service: service, result: result) }
            return result
        }
        details["instances"] = canary.deployment.instances.map(\.id).joined(separator: ",")
        do {
            try advance(.shifting, commandID, order, "promoting canary \(order.version): all traffic to it")
            let incoming = backends(canary.deployment.instances, version: order.version)
            try await proxy.router.update(
                routingTable(incoming + drainingBackends([stable]), stickiness: order.stickiness))
        } catch {
            let result = ended(.failed, "cannot promote \(order.version): \(error); \(stable.version) keeps serving")
            persistOrLog { $0.abandon(service: service, result: result) }
            return result
        }
        persistOrLog { $0.begin(.draining, service: service) }
        report(commandID, order, .draining, "draining \(stable.version)")
        let forced = await drainOld(
            service: service, order: order, draining: [stable],
            then: routingTable(
                backends(canary.deployment.instances, version: order.version), stickiness: order.stickiness))
        if forced > 0 { details["forceClosed"] = String(forced) }
        persistOrLog { $0.begin(.stoppingOld, service: service) }
        report(commandID, order, .stoppingOld, "stopping \(stable.version)")
        let problems = await stopInstances(stable, grace: patience(order.stopGrace))
        if !problems.isEmpty { details["stopErrors"] = problems.joined(separator: "; ") }
        details["previous"] = stable.version
        if let older = journal.superseded(service: service) { await removeInstances(older) }
        let result = ended(
            .succeeded,
            "canary \(order.version) promoted: serves \(service) on port \(order.publicPort); "
                + "\(stable.version) stopped and kept for rollback")
        persistOrLog { $0.commit(service: service, result: result) }
        return result
    }

    /// A canary abort (a revert to the serving version while a canary runs): the canary's
    /// weight goes to 0 at once, its instances are drained and removed; the serving version,
    /// never stopped, needs no health check.
    func abortCanary(commandID: String, order: SwapOrder, startedUnixMs: Int64) async -> SwapResult {
        let service = order.service
        var details = ["version": order.version, "port": String(order.publicPort)]
        func ended(_ outcome: SwapResult.Outcome, _ message: String) -> SwapResult {
            SwapResult(
                outcome: outcome, message: message, startedUnixMs: startedUnixMs, finishedUnixMs: clock.unixMillis(),
                details: details)
        }
        guard let record = journal.services[service], let canary = record.canary?.deployment,
            let stable = record.current, let router = proxies[service]?.router
        else {
            let result = ended(.failed, "no canary of \(service) to abort here")
            persistOrLog { $0.abandon(service: service, result: result) }
            return result
        }
        do {
            try advance(
                .shifting, commandID, order, "aborting canary \(canary.version): all traffic to \(stable.version)")
            let serving = backends(stable.instances, version: stable.version)
            try await router.update(routingTable(serving + drainingBackends([canary]), stickiness: order.stickiness))
        } catch {
            let result = ended(.failed, "cannot abort canary \(canary.version): \(error)")
            persistOrLog { $0.abandon(service: service, result: result) }
            return result
        }
        persistOrLog { $0.begin(.draining, service: service) }
        report(commandID, order, .draining, "draining canary \(canary.version)")
        let forced = await drainOld(
            service: service, order: order, draining: [canary],
            then: routingTable(backends(stable.instances, version: stable.version), stickiness: order.stickiness))
        if forced > 0 { details["forceClosed"] = String(forced) }
        persistOrLog { $0.begin(.stoppingOld, service: service) }
        report(commandID, order, .stoppingOld, "removing canary \(canary.version)")
        details["canaryRemoved"] = canary.version
        // Removed before the commit, so the result describes the host as it is; cut short here,
        // recovery finishes the abort.
        await removeInstances(canary, grace: patience(order.stopGrace))
        let result = ended(.succeeded, "canary \(canary.version) removed; \(stable.version) serves all traffic")
        persistOrLog { $0.abortCanary(service: service, result: result) }
        return result
    }

    /// Sets the canary's weight in the journal, then in the proxy (put back when the proxy
    /// refuses); `finish` records the result.
    func changeWeight(
        service: String, version: String, weight: Int, stickiness: Stickiness??, router: any TrafficRouter,
        startedUnixMs: Int64, finish: (SwapResult) -> Void
    ) async -> SwapResult {
        let details = ["version": version, "canaryWeight": String(weight)]
        func ended(_ outcome: SwapResult.Outcome, _ message: String) -> SwapResult {
            SwapResult(
                outcome: outcome, message: message, startedUnixMs: startedUnixMs, finishedUnixMs: clock.unixMillis(),
                details: details)
        }
        let before = journal.services[service]?.canary
        do {
            try persist {
                $0.setCanaryWeight(service: service, version: version, weight: weight, stickiness: stickiness)
            }
            try await router.update(routingTable(for: service))
        } catch {
            persistOrLog { $0.services[service]?.canary = before }
            let result = ended(.failed, "cannot set canary \(version) to \(weight) bp: \(error)")
            finish(result)
            return result
        }
        let result = ended(.succeeded, "canary \(version) of \(service) has \(weight) bp")
        finish(result)
        return result
    }

    /// Carries out a `SET_WEIGHTS` at once: the running canary `order.canaryVersion` gets
    /// `order.canaryWeight`, the serving version the rest, in one table change. Idempotent by
    /// command id; the result is journalled and published on ``progress``.
    ///
    /// - Returns: `.accepted` once the result is known (failed when no such canary runs or the
    ///   weight is above 10,000), `.duplicate` for a known id, `.rejected` while the agent is
    ///   not ready, a swap of the service runs, or the journal cannot be written.
    public func setWeights(commandID: String, order: WeightsOrder) async -> SubmitOutcome {
        if let known = journal.commands[commandID] { return .duplicate(result: known.result) }
        guard !commandID.isEmpty, commandID.utf8.count <= 256 else {
            return .rejected(SwapError.invalidOrder("the command id must be 1–256 bytes").description)
        }
        guard accepting, recovered else {
            return .rejected(
                SwapError.notReady(accepting ? "the journal has not been recovered yet" : "shutting down").description)
        }
        if let busy = journal.services[order.service]?.swap?.commandID ?? weightChanges[order.service] {
            return .rejected(SwapError.busy(service: order.service, commandID: busy).description)
        }
        let started = clock.unixMillis()
        let service = order.service
        func failed(_ message: String) -> SwapResult {
            SwapResult(
                outcome: .failed, message: message, startedUnixMs: started, finishedUnixMs: clock.unixMillis(),
                details: ["version": order.canaryVersion, "canaryWeight": String(order.canaryWeight)])
        }
        let running = journal.services[service]?.canary?.deployment.version
        let result: SwapResult
        if !(0...RoutingTable.fullWeight).contains(order.canaryWeight) {
            result = failed("canary weight \(order.canaryWeight) bp is outside 0…10000; nothing changed")
        } else if running != order.canaryVersion {
            result = failed(
                "no canary \(order.canaryVersion) of \(service) runs on this host"
                    + (running.map { " (the canary is \($0))" } ?? ""))
        } else if let router = proxies[service]?.router {
            weightChanges[service] = commandID
            defer { weightChanges[service] = nil }
            result = await changeWeight(
                service: service, version: order.canaryVersion, weight: order.canaryWeight, stickiness: nil,
                router: router, startedUnixMs: started
            ) { _ in }
        } else {
            result = failed("the proxy of \(service) does not run on this host")
        }
        persistOrLog {
            $0.recordFinished(commandID: commandID, service: service, version: order.canaryVersion, result: result)
        }
        progressContinuation.yield(
            SwapProgress(
                commandID: commandID, service: service, version: order.canaryVersion, step: .finished,
                percent: SwapStep.finished.percent, message: result.message, result: result))
        logger.notice(
            "set weights \(result.outcome.rawValue): \(result.message)", ["command.id": commandID, "service": service])
        return .accepted
    }
}
