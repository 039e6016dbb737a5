import DroverRuntime
import DroverSession
import DroverWire
import NIOConcurrencyHelpers
import SwiftProtobuf

/// Carries out the controller's commands on this host (Protocol/README.md §7.3): answers each
/// at once with an ack, runs swaps through the ``SwapExecutor``, and sends progress and results
/// on whatever session is open.
///
/// Results are kept until the controller has seen them: they are re-sent after every
/// reconnect until the controller re-delivers the command and gets `DUPLICATE` with the
/// result (§7.3 step 4). If the controller is gone for longer than `revertAfter` while a
/// service runs a version it has not confirmed (the middle of a rollout), the host goes back to
/// the last confirmed version on its own.
public final class AgentCommandHandler: Sendable {
    /// The executor doing the swaps.
    public let executor: SwapExecutor
    /// How long the controller may be gone mid-rollout before the host reverts on its own; nil: never.
    public let revertAfter: Duration?
    private let logger: DroverLogger
    private let state = NIOLockedValueBox(State())

    private struct State {
        /// Sends a progress or result frame on the open session (nil when none is open).
        var send: (@Sendable (DroverMessage) -> Void)?
        /// Results the controller has not confirmed yet, by command id, with their service (a
        /// `CONFIRM` of the service confirms them all).
        var unconfirmed: [String: (service: String, result: Drover_V1_CommandResult)] = [:]
        /// Whether a revert on controller loss ran for this disconnection.
        var revertedWhileDisconnected = false
    }

    /// A handler over `executor`.
    public init(
        executor: SwapExecutor, revertAfter: Duration?,
        logger: DroverLogger = DroverLogger(label: "drover.agent.commands")
    ) {
        self.executor = executor
        self.revertAfter = revertAfter
        self.logger = logger
    }

    /// Builds the executor from the agent's configuration: the engines it names (none: `nil`,
    /// the agent rejects swaps), a journal in the state directory, instances labelled with the
    /// host, and the router it names (embedded proxy or HAProxy).
    public static func make(
        configuration: AgentConfiguration, hostID: String, logger: DroverLogger
    ) throws -> AgentCommandHandler? {
        let docker = configuration.dockerSocket.map { DockerEngine(socketPath: $0) }
        let process =
            try configuration.processEngine
            ? ProcessEngine(stateDirectory: configuration.stateDirectory + "/processes") : nil
        guard docker != nil || process != nil else { return nil }
        let executor = try SwapExecutor(
            configuration: SwapExecutorConfiguration(
                stateDirectory: configuration.stateDirectory, proxyHost: configuration.proxyAddress,
                instanceLabels: ["drover.host": hostID]),
            docker: docker, process: process, makeRouter: configuration.router.factory, logger: logger)
        return AgentCommandHandler(executor: executor, revertAfter: configuration.revertAfter, logger: logger)
    }

    /// Converges the host on its journal (call before the first session: commands are only
    /// admitted once this is done).
    public func recover() async {
        await executor.recover()
    }

    /// Runs swaps and forwards their progress until ``shutdown()``; call ``recover()`` first.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.executor.run() }
            group.addTask {
                for await step in self.executor.progress {
                    self.forward(step)
                }
            }
        }
    }

    /// Stops the executor (running swaps get their grace; instances keep running unless
    /// `removeServices`, for throwaway hosts).
    public func shutdown(removeServices: Bool = false) async {
        await executor.shutdown()
        if removeServices { await executor.tearDown() }
    }

    // MARK: - Sessions

    /// A session was established: updates go to `send`; returns the results to re-send now.
    public func sessionEstablished(send: @escaping @Sendable (DroverMessage) -> Void) -> [Drover_V1_CommandResult] {
        state.withLockedValue { state in
            state.send = send
            state.revertedWhileDisconnected = false
            return state.unconfirmed.values.map(\.result).sorted { $0.finishedUnixMs < $1.finishedUnixMs }
        }
    }

    /// The session ended: updates wait for the next one.
    public func sessionEnded() {
        state.withLockedValue { $0.send = nil }
    }

    /// Called while the agent has no session: after `revertAfter` without the controller,
    /// services on an unconfirmed version go back to their known-good version (once per disconnection).
    public func controllerAbsent(for absence: Duration) async {
        guard let revertAfter, absence >= revertAfter else { return }
        let due = state.withLockedValue { state -> Bool in
            defer { state.revertedWhileDisconnected = true }
            return !state.revertedWhileDisconnected
        }
        guard due else { return }
        for service in await executor.state()
        where service.knownGoodVersion != nil
            && (service.knownGoodVersion != service.version || service.canaryVersion != nil)
        {
            logger.warning(
                "no controller for \(absence) in the middle of a rollout; reverting to the confirmed version",
                [
                    "service": service.service, "version": service.version,
                    "known.good": service.knownGoodVersion ?? "-",
                ])
            if let result = await executor.revertToKnownGood(service: service.service) {
                logger.notice("reverted on my own: \(result.message)", ["service": service.service])
            }
        }
    }

    // MARK: - Commands

    /// The ack for `command`; a new swap starts in the executor.
    public func receive(_ command: Drover_V1_Command, nowUnixMs: Int64) async -> Drover_V1_CommandAck {
        var ack = Drover_V1_CommandAck()
        ack.commandID = command.id
        func reject(_ reason: String) -> Drover_V1_CommandAck {
            ack.status = .rejected
            ack.reason = reason
            logger.warning(
                "command rejected: \(reason)", ["command.id": command.id, "command.kind": "\(command.kind)"])
            return ack
        }
        guard !command.id.isEmpty else { return reject("the command has no id") }
        switch command.kind {
        case .swap, .rollback:
            let payload: Drover_V1_SwapPayload
            do {
                payload = try Drover_V1_SwapPayload(serializedBytes: command.payload)
            } catch {
                return reject("the payload is not a SwapPayload: \(error)")
            }
            if command.deadlineUnixMs > 0, command.deadlineUnixMs <= nowUnixMs,
                await executor.result(commandID: command.id) == nil
            {
                return reject("the command's deadline has passed")
            }
            let order: SwapOrder
            do {
                order = try SwapOrder(payload: payload, revert: command.kind == .rollback)
            } catch {
                return reject(error.description)
            }
            switch await executor.submit(commandID: command.id, order: order) {
            case .accepted:
                ack.status = .accepted
                logger.info(
                    "swap accepted", ["command.id": command.id, "service": order.service, "version": order.version])
            case .duplicate(let result):
                ack.status = .duplicate
                logger.info(
                    "command re-delivered: answered DUPLICATE, nothing started again",
                    [
                        "command.id": command.id, "attempt": "\(command.attempt)",
                        "finished": result == nil ? "no" : "yes",
                    ])
                if let result {
                    ack.result = result.commandResult(commandID: command.id)
                    // The controller has the result now.
                    state.withLockedValue { _ = $0.unconfirmed.removeValue(forKey: command.id) }
                }
            case .rejected(let reason):
                return reject(reason)
            }
            return ack
        case .stop:
            guard let payload = try? Drover_V1_SwapPayload(serializedBytes: command.payload), !payload.service.isEmpty
            else {
                return reject("the payload is not a SwapPayload naming the service to stop")
            }
            let started = nowUnixMs
            var result = Drover_V1_CommandResult()
            result.commandID = command.id
            result.startedUnixMs = started
            do {
                let was = try await executor.removeService(payload.service)
                result.outcome = .succeeded
                result.message =
                    was.map { "\(payload.service) \($0) stopped and removed" } ?? "\(payload.service) does not run here"
                result.details = ["version": "none"]
            } catch {
                return reject(error.description)
            }
            ack.status = .accepted
            result.finishedUnixMs = UnixTime.nowMillis()
            // Removing is idempotent, so a re-delivered STOP simply runs again and succeeds.
            send(result, keepFor: payload.service)
            return ack
        case .setWeights:
            let order: WeightsOrder
            do {
                order = try WeightsOrder(payload: Drover_V1_WeightsPayload(serializedBytes: command.payload))
            } catch let error as SwapError {
                return reject(error.description)
            } catch {
                return reject("the payload is not a WeightsPayload: \(error)")
            }
            if command.deadlineUnixMs > 0, command.deadlineUnixMs <= nowUnixMs,
                await executor.result(commandID: command.id) == nil
            {
                return reject("the command's deadline has passed")
            }
            // The result goes out through the executor's progress stream, like a swap's.
            switch await executor.setWeights(commandID: command.id, order: order) {
            case .accepted:
                ack.status = .accepted
            case .duplicate(let result):
                ack.status = .duplicate
                if let result {
                    ack.result = result.commandResult(commandID: command.id)
                    state.withLockedValue { _ = $0.unconfirmed.removeValue(forKey: command.id) }
                }
            case .rejected(let reason):
                return reject(reason)
            }
            return ack
        case .confirm:
            guard let payload = try? Drover_V1_ConfirmPayload(serializedBytes: command.payload),
                !payload.service.isEmpty
            else {
                return reject("the payload is not a ConfirmPayload with a service")
            }
            // The rollout is over: the controller has what it needs of the service's results.
            let dropped = state.withLockedValue { state in
                let done = state.unconfirmed.filter { $0.value.service == payload.service }.map(\.key)
                for id in done { state.unconfirmed[id] = nil }
                return done.count
            }
            ack.status = .accepted
            var result = Drover_V1_CommandResult()
            result.commandID = command.id
            result.startedUnixMs = nowUnixMs
            if payload.version.isEmpty {
                result.outcome = .succeeded
                result.message = "\(payload.service): \(dropped) result(s) confirmed; known-good version unchanged"
            } else {
                let confirmed = await executor.confirm(service: payload.service, version: payload.version)
                result.outcome = confirmed ? .succeeded : .failed
                result.message =
                    confirmed
                    ? "\(payload.service) \(payload.version) is the known-good version"
                    : "\(payload.service) does not run \(payload.version) here (known-good version unchanged)"
            }
            result.finishedUnixMs = UnixTime.nowMillis()
            result.details = ["version": payload.version, "results_confirmed": "\(dropped)"]
            send(result, keepFor: nil)
            return ack
        case .noop:
            ack.status = .accepted
            var result = Drover_V1_CommandResult()
            result.commandID = command.id
            result.outcome = .succeeded
            result.message = "noop"
            result.startedUnixMs = nowUnixMs
            result.finishedUnixMs = nowUnixMs
            send(result, keepFor: nil)
            return ack
        default:
            return reject("this agent does not carry out \(command.kind) commands")
        }
    }

    /// What each service runs, for host reports, with its proxy's cumulative traffic for the
    /// serving version, the canary and a swap's target.
    public func serviceStatuses() async -> [Drover_V1_ServiceStatus] {
        let journal = await executor.journalSnapshot()
        let statistics = await executor.trafficStatistics()
        return await executor.state().map { service in
            var status = Drover_V1_ServiceStatus()
            status.service = service.service
            status.version = service.version
            status.previousVersion = service.previousVersion ?? ""
            status.instances = UInt32(service.instances.count)
            status.publicPort = UInt32(journal.services[service.service]?.current?.order.publicPort ?? 0)
            if let swap = journal.services[service.service]?.swap { status.swappingTo = swap.targetVersion }
            status.canaryVersion = service.canaryVersion ?? ""
            status.canaryWeightBp = UInt32(clamping: service.canaryWeight)
            // Only the versions that can take traffic now: the proxy keeps counters of every
            // version it ever served, and the report stays small.
            let live = Set([service.version, service.canaryVersion, status.swappingTo].compactMap { $0 })
            status.traffic = HostReportBuilder.traffic(
                (statistics[service.service] ?? [:]).filter { live.contains($0.key) })
            return status
        }
    }

    private func forward(_ step: SwapProgress) {
        if let result = step.result {
            // Reverts the agent started on its own have no controller command to answer.
            guard !step.commandID.hasPrefix("revert-") else { return }
            send(result.commandResult(commandID: step.commandID), keepFor: step.service)
            return
        }
        var progress = Drover_V1_CommandProgress()
        progress.commandID = step.commandID
        progress.step = step.step.rawValue
        progress.percent = UInt32(clamping: step.percent)
        progress.message = step.message
        progress.unixMs = UnixTime.nowMillis()
        let send = state.withLockedValue { $0.send }
        send?(.commandProgress(progress))
    }

    /// Sends a result; with a service, it is kept and re-sent after reconnects until confirmed.
    private func send(_ result: Drover_V1_CommandResult, keepFor service: String?) {
        let send = state.withLockedValue { state in
            if let service { state.unconfirmed[result.commandID] = (service, result) }
            return state.send
        }
        send?(.commandResult(result))
    }
}
