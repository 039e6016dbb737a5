/// The journal's canary transitions (Protocol/README.md §7.3.1), written before they are acted on.
extension SwapJournal {
    /// Makes the service's swap (a canary order) its canary at the order's weight, and
    /// records the command's result. Returns the canary it replaced (the executor has removed
    /// its instances before committing).
    @discardableResult
    public mutating func commitCanary(service: String, result: SwapResult) -> Deployment? {
        guard var record = services[service], let swap = record.swap else { return nil }
        let replaced = record.canary?.deployment
        record.canary = Canary(
            deployment: Deployment(version: swap.targetVersion, order: swap.order, instances: swap.instances),
            weight: swap.order.canaryWeight)
        record.swap = nil
        services[service] = record
        finish(commandID: swap.commandID, result: result)
        return replaced
    }

    /// Sets the running canary's weight (and, when given, the stickiness in force); false when
    /// the service runs no canary of `version`.
    @discardableResult
    public mutating func setCanaryWeight(
        service: String, version: String, weight: Int, stickiness: Stickiness?? = nil
    ) -> Bool {
        guard services[service]?.canary?.deployment.version == version else { return false }
        services[service]?.canary?.weight = weight
        if let stickiness { services[service]?.canary?.deployment.order.stickiness = stickiness }
        return true
    }

    /// Ends the service's swap (a canary abort) with the canary gone, the current version's
    /// stickiness set to the swap order's, and records the command's result. Returns the
    /// canary that was removed.
    @discardableResult
    public mutating func abortCanary(service: String, result: SwapResult) -> Deployment? {
        guard var record = services[service], let swap = record.swap else { return nil }
        let removed = record.canary?.deployment
        record.canary = nil
        record.current?.order.stickiness = swap.order.stickiness
        record.swap = nil
        services[service] = record
        finish(commandID: swap.commandID, result: result)
        return removed
    }

    /// Records a command that ran to its end at once (`SET_WEIGHTS`).
    public mutating func recordFinished(commandID: String, service: String, version: String, result: SwapResult) {
        commands[commandID] = Command(
            service: service, version: version, status: .running, outcome: nil, message: "", details: [:],
            startedUnixMs: result.startedUnixMs, finishedUnixMs: nil)
        finish(commandID: commandID, result: result)
        trimCommands()
    }
}

extension SwapJournal.InProgress {
    /// Whether this swap aborts the service's canary: a revert to the serving version while a
    /// canary runs.
    func isCanaryAbort(in record: SwapJournal.ServiceRecord) -> Bool {
        !order.canary && order.revert && record.canary != nil && record.current?.version == targetVersion
    }
}
