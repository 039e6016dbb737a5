import DroverProxy
import DroverRuntime
import DroverSession

/// Carries out the controller's swap orders on this host: start the new version, health-check
/// it, shift the service proxy's traffic to it, drain and stop the old version (kept stopped for
/// a fast rollback), and journal every step before taking it.
///
/// ```swift
/// let executor = try SwapExecutor(configuration: .init(stateDirectory: dir), process: engine)
/// await executor.recover()                     // converge on what the journal says
/// async let loop: Void = executor.run()        // runs accepted swaps
/// _ = await executor.submit(commandID: "c-1", order: order)
/// for await step in executor.progress { … }
/// await executor.shutdown()                    // instances keep running
/// ```
///
/// Commands are idempotent: a re-submitted id starts nothing and answers with the first
/// result. One swap per service at a time; different services swap concurrently.
public actor SwapExecutor {
    /// How it keeps its journal and where proxies listen.
    public nonisolated let configuration: SwapExecutorConfiguration
    /// Every step of every swap, then the final result (newest 1,024 kept when nobody reads).
    public nonisolated let progress: AsyncStream<SwapProgress>

    let progressContinuation: AsyncStream<SwapProgress>.Continuation
    let engines: [SwapOrder.Engine: any ContainerEngine]
    let clock: SwapClock
    let makeRouter: TrafficRouterFactory
    let allocatePort: @Sendable () throws -> Int
    let logger: DroverLogger
    let journalFile: SwapJournalFile
    /// The journal as last saved (or, after a failed save past the traffic shift, as in force).
    var journal: SwapJournal
    /// Service proxies by service.
    var proxies: [String: RunningProxy] = [:]
    /// Swaps running now: service → command id.
    var executing: [String: String] = [:]
    /// `SET_WEIGHTS` commands whose table is on its way to the proxy: service → command id
    /// (a swap admitted meanwhile could have its table overtaken by the older one).
    var weightChanges: [String: String] = [:]
    var recovered = false
    var accepting = true
    var runStarted = false
    /// Whether ``run()`` is running (shutdown waits for it to end).
    var runActive = false
    var shutdownDeadline: ContinuousClock.Instant?
    let jobs: AsyncStream<Job>
    let jobContinuation: AsyncStream<Job>.Continuation

    /// An accepted command waiting for ``run()``.
    struct Job: Sendable {
        let commandID: String
        let order: SwapOrder
    }

    /// A service's proxy and the public port it was asked to bind.
    struct RunningProxy {
        let router: any TrafficRouter
        let publicPort: Int
        let mode: SwapOrder.ProxyMode
        let boundPort: Int
    }

    /// An executor with its journal loaded from the state directory.
    ///
    /// - Parameters:
    ///   - docker: the container engine for `docker` orders; `nil` refuses them.
    ///   - process: the process engine for `process` orders; `nil` refuses them.
    ///   - clock: time for probes, deadlines and timestamps.
    ///   - makeRouter: makes a service's proxy (a ``ServiceProxy`` by default).
    ///   - allocatePort: a free loopback port for a new instance.
    /// - Throws: ``SwapError/journal(_:)`` when the journal exists but cannot be read.
    public init(
        configuration: SwapExecutorConfiguration,
        docker: (any ContainerEngine)? = nil,
        process: (any ContainerEngine)? = nil,
        clock: SwapClock = .live,
        makeRouter: @escaping TrafficRouterFactory = SwapExecutor.serviceProxy,
        allocatePort: @escaping @Sendable () throws -> Int = { try LoopbackPort.free() },
        logger: DroverLogger = DroverLogger(label: "drover.agent.swap")
    ) throws(SwapError) {
        self.configuration = configuration
        var engines: [SwapOrder.Engine: any ContainerEngine] = [:]
        engines[.docker] = docker
        engines[.process] = process
        self.engines = engines
        self.clock = clock
        self.makeRouter = makeRouter
        self.allocatePort = allocatePort
        self.logger = logger
        journalFile = SwapJournalFile(directory: configuration.stateDirectory)
        journal = try journalFile.load()
        (progress, progressContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1024))
        (jobs, jobContinuation) = AsyncStream.makeStream()
    }

    /// The default proxy factory: a ``ServiceProxy`` in HTTP mode with an empty table.
    public static let serviceProxy: TrafficRouterFactory = { _, configuration in
        try ServiceProxy(configuration: configuration, table: RoutingTable())
    }

    // MARK: - commands

    /// Admits a swap order. A new, valid order is journalled before this returns and runs in
    /// ``run()``; a known command id starts nothing.
    public func submit(commandID: String, order: SwapOrder) -> SubmitOutcome {
        if let known = journal.commands[commandID] { return .duplicate(result: known.result) }
        do {
            try admit(commandID: commandID, order: order)
        } catch {
            logger.warning("swap refused: \(error)", ["command.id": commandID, "service": order.service])
            return .rejected(error.description)
        }
        jobContinuation.yield(Job(commandID: commandID, order: order))
        return .accepted
    }

    /// The result of a command, once it has finished; `nil` while it runs or when unknown.
    public func result(commandID: String) -> SwapResult? {
        journal.commands[commandID]?.result
    }

    /// Records that the controller confirmed `version` of `service` (the version it reverts
    /// to when it loses the controller); false when neither the current nor the previous
    /// version is `version`.
    @discardableResult
    public func confirm(service: String, version: String) -> Bool {
        var next = journal
        guard next.confirm(service: service, version: version) else { return false }
        do {
            try journalFile.save(next)
        } catch {
            logger.error("\(error)", ["service": service])
            return false
        }
        journal = next
        return true
    }

    /// What runs now, service by service.
    public func state() -> [ServiceState] {
        journal.services.keys.sorted().compactMap { service in
            guard let record = journal.services[service], let current = record.current else { return nil }
            return ServiceState(
                service: service, version: current.version,
                instances: current.instances.map { ServiceState.Instance(id: $0.id, name: $0.name, port: $0.port) },
                proxyPort: proxies[service]?.boundPort, previousVersion: record.previous?.version,
                knownGoodVersion: record.knownGood?.version, swapInProgress: record.swap?.commandID,
                canaryVersion: record.canary?.deployment.version, canaryWeight: record.canary?.weight ?? 0,
                canaryInstances: record.canary?.deployment.instances.map {
                    ServiceState.Instance(id: $0.id, name: $0.name, port: $0.port)
                } ?? [])
        }
    }

    /// A copy of the journal as it stands.
    public func journalSnapshot() -> SwapJournal { journal }

    /// Each running proxy's cumulative per-version counters, by service (the signals a host
    /// report carries for canary analysis).
    public func trafficStatistics() async -> [String: [String: VersionMetrics]] {
        var statistics: [String: [String: VersionMetrics]] = [:]
        for (service, proxy) in proxies {
            statistics[service] = await proxy.router.statistics()
        }
        return statistics
    }

    // MARK: - lifecycle

    /// Runs accepted swaps until ``shutdown(grace:)`` (or until cancelled). Swaps run as
    /// child tasks of this call; on shutdown they get the grace period to finish, then those
    /// that have not moved traffic yet are cancelled and cleaned up.
    public func run() async {
        guard !runStarted else { return }
        runStarted = true
        runActive = true
        defer { runActive = false }
        let jobs = self.jobs
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { _ = await self.execute(job) }
            }
            await self.waitForSwaps(until: self.shutdownDeadline)
            group.cancelAll()
        }
    }

    /// Stops accepting orders, lets a running swap finish (or cancels it after `grace`), and
    /// closes the service proxies. Instances keep running: an agent restart must not stop services.
    public func shutdown(grace: Duration = .seconds(30)) async {
        guard accepting else { return }
        accepting = false
        shutdownDeadline = ContinuousClock.now + grace
        jobContinuation.finish()
        // Swaps accepted but not started yet end here, without having touched anything.
        for service in journal.services.keys.sorted() where executing[service] == nil {
            guard let swap = journal.services[service]?.swap else { continue }
            let now = clock.unixMillis()
            let result = SwapResult(
                outcome: .cancelled, message: "the agent shut down before the swap started",
                startedUnixMs: journal.commands[swap.commandID]?.startedUnixMs ?? now, finishedUnixMs: now,
                details: ["version": swap.targetVersion, "port": String(swap.order.publicPort)])
            persistOrLog { $0.abandon(service: service, result: result) }
            report(swap.commandID, swap.order, .finished, result.message, result: result)
        }
        // The run loop gives running swaps the grace, cancels what is left, and ends.
        await waitForSwaps(until: nil, includingRunLoop: true)
        let closing = proxies.values.map(\.router)
        proxies = [:]
        for router in closing {
            await router.close(timeout: configuration.proxyCloseTimeout)
        }
        progressContinuation.finish()
        logger.info("swap executor stopped")
    }

    /// Waits until no swap runs (nor, with `includingRunLoop`, the ``run()`` loop), or until
    /// `deadline` (nil: no limit) or cancellation.
    func waitForSwaps(until deadline: ContinuousClock.Instant?, includingRunLoop: Bool = false) async {
        // Polled: swaps end at most a few times a minute, and shutdown is rare.
        while !executing.isEmpty || (includingRunLoop && runActive), !Task.isCancelled {
            if let deadline, ContinuousClock.now >= deadline { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    // MARK: - admission and journal

    /// Checks an order and journals it as accepted.
    func admit(commandID: String, order: SwapOrder) throws(SwapError) {
        guard !commandID.isEmpty, commandID.utf8.count <= 256 else {
            throw .invalidOrder("the command id must be 1–256 bytes")
        }
        guard accepting else { throw .notReady("the agent is shutting down") }
        guard recovered else { throw .notReady("the journal has not been recovered yet") }
        try order.validate()
        guard engines[order.engine] != nil else { throw .engineUnavailable(order.engine) }
        if let swap = journal.services[order.service]?.swap {
            throw .busy(service: order.service, commandID: swap.commandID)
        }
        if let change = weightChanges[order.service] { throw .busy(service: order.service, commandID: change) }
        for (other, record) in journal.services where other != order.service {
            let ports = [
                record.current?.order.publicPort, record.swap?.order.publicPort,
                record.canary?.deployment.order.publicPort,
            ].compactMap { $0 }
            if ports.contains(order.publicPort) {
                throw .invalidOrder("public port \(order.publicPort) is taken by service \(other)")
            }
        }
        try persist { $0.admit(commandID: commandID, order: order, nowUnixMs: clock.unixMillis()) }
        report(commandID, order, .accepted, "accepted")
    }

    /// Applies `change` to a copy of the journal, saves it, and only then makes it the journal
    /// in force (write-ahead: nothing is acted on that is not on disk).
    func persist(_ change: (inout SwapJournal) -> Void) throws(SwapError) {
        var next = journal
        change(&next)
        try journalFile.save(next)
        journal = next
    }

    /// ``persist(_:)`` for steps past the traffic shift, which go on whatever happens: a failed
    /// save is logged and the change kept in memory.
    func persistOrLog(_ change: (inout SwapJournal) -> Void) {
        var next = journal
        change(&next)
        do {
            try journalFile.save(next)
        } catch {
            logger.error("\(error); continuing with the journal in memory")
        }
        journal = next
    }

    /// Publishes a progress report.
    func report(_ commandID: String, _ order: SwapOrder, _ step: SwapStep, _ message: String, result: SwapResult? = nil)
    {
        progressContinuation.yield(
            SwapProgress(
                commandID: commandID, service: order.service, version: order.version, step: step, percent: step.percent,
                message: message, result: result))
    }
}
