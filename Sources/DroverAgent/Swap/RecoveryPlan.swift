import DroverRuntime

/// What a restarted agent does to converge, decided from its journal and the instances its
/// engines report (pure; ``SwapExecutor/recover()`` carries the actions out).
///
/// - A swap cut short is failed ("agent restarted during the swap"): the instances it created
///   (or was about to create) are removed; kept instances it had started again are stopped.
///   The journal's current version never changes before a swap commits, so it is the version
///   that keeps serving.
/// - The current version's instances are started when they are not running, and recreated
///   when the engine no longer has them.
/// - The previous version's instances are stopped when running; those the engine no longer has
///   are forgotten.
/// - A canary whose swap was cut short is removed that way too (stable serves 100 %); a canary
///   whose swap finished keeps running at its journalled weight: its instances are started when
///   not running, those the engine no longer has are forgotten (no instance left: no canary).
/// - A canary abort cut short is finished: the canary's instances are removed.
/// - Any other instance of a journalled service is a stray and is removed.
public struct RecoveryPlan: Sendable, Equatable {
    /// One thing to do.
    public enum Action: Sendable, Equatable {
        /// Stop (with `grace`) and remove an instance that should not exist.
        case remove(engine: SwapOrder.Engine, id: String, grace: Duration)
        /// Stop an instance that is kept stopped.
        case stop(engine: SwapOrder.Engine, id: String, grace: Duration)
        /// Start an instance of the current version.
        case start(engine: SwapOrder.Engine, id: String)
        /// Replace a current instance the engine no longer has.
        case recreate(service: String, instance: SwapJournal.Instance)
    }

    /// The journal once the plan is carried out (interrupted swaps finished, lost previous
    /// instances forgotten); recreated instances are swapped in by the executor.
    public var journal: SwapJournal
    /// The actions, service by service in name order.
    public var actions: [Action]

    /// The plan for `journal`, given what each engine lists (`nil` for an engine that could
    /// not be asked: its instances are then started and removed blindly, never recreated).
    public init(journal: SwapJournal, observed: [SwapOrder.Engine: [InstanceStatus]], nowUnixMs: Int64) {
        var journal = journal
        var actions: [Action] = []
        for service in journal.services.keys.sorted() {
            guard let record = journal.services[service] else { continue }
            guard
                let engine = record.swap?.order.engine ?? record.current?.order.engine ?? record.previous?.order.engine
                    ?? record.knownGood?.order.engine
            else { continue }
            let seen = observed[engine].map { list in list.filter { $0.labels[DroverLabels.service] == service } }
            func find(_ instance: SwapJournal.Instance) -> InstanceStatus? {
                seen?.first { $0.id.rawValue == instance.id || $0.name == instance.name }
            }
            var accounted = Set<String>()

            if let swap = record.swap, swap.isCanaryAbort(in: record), let canary = record.canary?.deployment {
                // Stable never stopped: finish the abort rather than bring the canary back.
                let canarySeen = observed[canary.order.engine].map { list in
                    list.filter { $0.labels[DroverLabels.service] == service }
                }
                for instance in canary.instances {
                    let status = canarySeen?.first { $0.id.rawValue == instance.id || $0.name == instance.name }
                    if canarySeen == nil || status != nil {
                        actions.append(
                            .remove(engine: canary.order.engine, id: status?.id.rawValue ?? instance.id, grace: .zero))
                    }
                    if let status { accounted.insert(status.id.rawValue) }
                }
                let started = journal.commands[swap.commandID]?.startedUnixMs ?? nowUnixMs
                journal.abortCanary(
                    service: service,
                    result: SwapResult(
                        outcome: .succeeded,
                        message: "agent restarted during the canary abort (step \(swap.step.rawValue)); finished on "
                            + "restart: canary \(canary.version) removed, \(swap.targetVersion) serves all traffic",
                        startedUnixMs: started, finishedUnixMs: nowUnixMs,
                        details: ["version": swap.targetVersion, "canaryRemoved": canary.version]))
            } else if let swap = record.swap {
                for instance in swap.created {
                    let status = find(instance)
                    if seen == nil || status != nil {
                        actions.append(.remove(engine: engine, id: status?.id.rawValue ?? instance.id, grace: .zero))
                    }
                    if let status { accounted.insert(status.id.rawValue) }
                }
                let createdNames = Set(swap.created.map(\.name))
                for name in swap.planned where !createdNames.contains(name) {
                    guard let status = seen?.first(where: { $0.name == name }) else { continue }
                    actions.append(.remove(engine: engine, id: status.id.rawValue, grace: .zero))
                    accounted.insert(status.id.rawValue)
                }
                for instance in swap.reused {
                    let status = find(instance)
                    if let status { accounted.insert(status.id.rawValue) }
                    if status?.isRunning ?? (seen == nil) {
                        actions.append(
                            .stop(engine: engine, id: status?.id.rawValue ?? instance.id, grace: swap.order.stopGrace))
                    }
                }
                let started = journal.commands[swap.commandID]?.startedUnixMs ?? nowUnixMs
                journal.abandon(
                    service: service,
                    result: SwapResult(
                        outcome: .failed,
                        message: "agent restarted during the swap (step \(swap.step.rawValue)); "
                            + "\(swap.targetVersion) was removed and the version before it kept",
                        startedUnixMs: started, finishedUnixMs: nowUnixMs,
                        details: [
                            "version": swap.targetVersion, "observed": "agent restarted at step \(swap.step.rawValue)",
                            "threshold": "the swap runs to completion",
                        ]))
            }

            if let current = record.current {
                for instance in current.instances {
                    if seen == nil {
                        actions.append(.start(engine: engine, id: instance.id))
                    } else if let status = find(instance) {
                        accounted.insert(status.id.rawValue)
                        if !status.isRunning { actions.append(.start(engine: engine, id: status.id.rawValue)) }
                    } else {
                        actions.append(.recreate(service: service, instance: instance))
                    }
                }
            }

            if var canary = journal.services[service]?.canary {
                let canaryEngine = canary.deployment.order.engine
                let canarySeen = observed[canaryEngine].map { list in
                    list.filter { $0.labels[DroverLabels.service] == service }
                }
                canary.deployment.instances = canary.deployment.instances.filter { instance in
                    guard let canarySeen else {
                        actions.append(.start(engine: canaryEngine, id: instance.id))
                        return true
                    }
                    guard
                        let status = canarySeen.first(where: {
                            $0.id.rawValue == instance.id || $0.name == instance.name
                        })
                    else { return false }
                    accounted.insert(status.id.rawValue)
                    if !status.isRunning { actions.append(.start(engine: canaryEngine, id: status.id.rawValue)) }
                    return true
                }
                journal.services[service]?.canary = canary.deployment.instances.isEmpty ? nil : canary
            }

            if var previous = record.previous {
                previous.instances = previous.instances.filter { instance in
                    guard seen != nil else { return true }
                    guard let status = find(instance) else { return false }
                    accounted.insert(status.id.rawValue)
                    if status.isRunning {
                        actions.append(.stop(engine: engine, id: status.id.rawValue, grace: previous.order.stopGrace))
                    }
                    return true
                }
                journal.services[service]?.previous = previous.instances.isEmpty ? nil : previous
            }

            let grace = record.current?.order.stopGrace ?? .zero
            for status in seen ?? [] where !accounted.contains(status.id.rawValue) {
                actions.append(.remove(engine: engine, id: status.id.rawValue, grace: grace))
            }
        }
        self.journal = journal
        self.actions = actions
    }
}
