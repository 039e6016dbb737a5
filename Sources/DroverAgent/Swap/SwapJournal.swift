/// The agent's record of what runs on its host and which swap commands it has seen.
///
/// A pure value: the executor changes it through the mutating methods below and writes it
/// (``SwapJournalFile``) *before* acting on the change, so an agent killed at any point finds
/// on restart what it was about to do and converges (see ``RecoveryPlan``).
public struct SwapJournal: Sendable, Equatable, Codable {
    /// How many commands are remembered for idempotency (the oldest finished ones go first).
    public static let commandLimit = 512

    /// Per service.
    public var services: [String: ServiceRecord]
    /// Per command id.
    public var commands: [String: Command]

    /// An empty journal.
    public init(services: [String: ServiceRecord] = [:], commands: [String: Command] = [:]) {
        self.services = services
        self.commands = commands
    }

    // MARK: - transitions

    /// Records an accepted command: it runs, and its service has a swap at step ``SwapStep/accepted``.
    public mutating func admit(commandID: String, order: SwapOrder, nowUnixMs: Int64) {
        commands[commandID] = Command(
            service: order.service, version: order.version, status: .running, outcome: nil, message: "accepted",
            details: [:], startedUnixMs: nowUnixMs, finishedUnixMs: nil)
        services[order.service, default: ServiceRecord()].swap = InProgress(commandID: commandID, order: order)
        trimCommands()
    }

    /// Moves a service's swap to `step`.
    public mutating func begin(_ step: SwapStep, service: String) {
        services[service]?.swap?.step = step
    }

    /// Notes the name of an instance about to be created.
    public mutating func plan(instanceNamed name: String, service: String) {
        services[service]?.swap?.planned.append(name)
    }

    /// Notes an instance the swap created.
    public mutating func created(_ instance: Instance, service: String) {
        services[service]?.swap?.created.append(instance)
    }

    /// Notes a kept instance the swap started again.
    public mutating func reused(_ instance: Instance, service: String) {
        services[service]?.swap?.reused.append(instance)
    }

    /// Makes the swap's instances the current deployment and the old current the previous one,
    /// and records the command's result. Returns the deployment that is no longer kept (the old
    /// previous, minus instances the swap reused), whose instances should now be removed.
    @discardableResult
    public mutating func commit(service: String, result: SwapResult) -> Deployment? {
        guard var record = services[service], let swap = record.swap else { return nil }
        let dropped = superseded(service: service)
        // A promotion adopts the canary's instances; any other swap ends the canary too.
        let promoted = record.canary.map { $0.deployment.version == swap.targetVersion ? $0.deployment.instances : [] }
        record.previous = record.current
        record.current = Deployment(
            version: swap.targetVersion, order: swap.order, instances: swap.instances + (promoted ?? []))
        record.swap = nil
        record.canary = nil
        services[service] = record
        finish(commandID: swap.commandID, result: result)
        return dropped
    }

    /// The deployment a commit of the service's swap will stop keeping: the previous one, minus
    /// instances the swap reused; `nil` when nothing is left of it.
    public func superseded(service: String) -> Deployment? {
        guard let record = services[service], let swap = record.swap, var dropped = record.previous else { return nil }
        let reusedIDs = Set(swap.reused.map(\.id))
        dropped.instances.removeAll { reusedIDs.contains($0.id) }
        return dropped.instances.isEmpty ? nil : dropped
    }

    /// Ends a service's swap without changing what runs, and records the command's result.
    public mutating func abandon(service: String, result: SwapResult) {
        guard let swap = services[service]?.swap else { return }
        services[service]?.swap = nil
        if let record = services[service], record.current == nil, record.previous == nil, record.knownGood == nil {
            services[service] = nil  // a first deploy that failed leaves nothing behind
        }
        finish(commandID: swap.commandID, result: result)
    }

    /// Records a command's result.
    public mutating func finish(commandID: String, result: SwapResult) {
        guard var command = commands[commandID] else { return }
        command.status = result.succeeded ? .succeeded : .failed
        command.outcome = result.outcome
        command.message = result.message
        command.details = result.details
        command.finishedUnixMs = result.finishedUnixMs
        commands[commandID] = command
    }

    /// Records the controller's confirmation of `version` (current or previous); false when
    /// neither runs that version.
    @discardableResult
    public mutating func confirm(service: String, version: String) -> Bool {
        guard let record = services[service] else { return false }
        if let current = record.current, current.version == version {
            services[service]?.knownGood = current
        } else if let previous = record.previous, previous.version == version {
            services[service]?.knownGood = previous
        } else {
            return false
        }
        return true
    }

    /// Forgets the oldest finished commands beyond ``commandLimit`` (running ones are kept).
    mutating func trimCommands() {
        guard commands.count > Self.commandLimit else { return }
        let finished = commands.filter { $0.value.status != .running }
            .sorted { ($0.value.startedUnixMs, $0.key) < ($1.value.startedUnixMs, $1.key) }
        for (id, _) in finished.prefix(commands.count - Self.commandLimit) {
            commands[id] = nil
        }
    }
}
