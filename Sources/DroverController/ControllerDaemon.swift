import DroverAPI
import DroverInventory
import DroverSession
import DroverStore
import DroverTLS
import NIOConcurrencyHelpers
import NIOCore

/// The whole controller process: the agent listener (``ControllerService``), the operator
/// HTTPS API on the same certificate, and the inventory's liveness clock.
///
/// On the first start (no API token in the store) it creates an `admin` API token and writes it
/// to `<data-dir>/admin.token` (mode 0600), like Nomad's ACL bootstrap: the operator reads it
/// once and creates narrower tokens with it.
public final class ControllerDaemon: Sendable {
    /// Where the API listens and what it serves besides the JSON routes.
    public struct APIOptions: Sendable {
        public var host: String
        public var port: Int
        public var metricsRequireToken: Bool
        public var installScriptPath: String?
        public var agentBinaryPath: String?
        /// Per-address budget for unauthenticated routes and refused tokens.
        public var unauthenticatedRateLimit = APIRateLimit(burst: 60, perSecond: 10)

        public init(
            host: String = "0.0.0.0", port: Int = 7401, metricsRequireToken: Bool = true,
            installScriptPath: String? = nil, agentBinaryPath: String? = nil
        ) {
            self.host = host
            self.port = port
            self.metricsRequireToken = metricsRequireToken
            self.installScriptPath = installScriptPath
            self.agentBinaryPath = agentBinaryPath
        }
    }

    /// The agent side.
    public let service: ControllerService
    /// The inventory feeding the API.
    public let sink: InventoryReportSink
    /// The operator API.
    public let api: APIServer
    /// The rollout engine: deploys, rollbacks, agents' command answers.
    public let rollouts: RolloutCoordinator
    /// The admin token created on this start (first start only), and the file holding it.
    public let bootstrapToken: (token: String, path: String)?
    /// Where mutating API calls are audited (one logfmt line each on `drover.audit` too).
    public let audit: AuditRecorder
    /// Flushes aggregated refusals and prunes the audit and events tables on a schedule.
    public let retention: RetentionPruner

    /// Opens the data directory, the store and the CA; builds the API server.
    public init(
        configuration: ControllerConfiguration, api options: APIOptions, retention policy: RetentionPolicy = RetentionPolicy()
    ) throws {
        let inventory = SharedFleetInventory()
        let service = try ControllerService(
            configuration: configuration,
            makeReportSink: { store in InventoryReportSink(store: store, inventory: inventory) })
        guard let sink = service.reportSink as? InventoryReportSink else {
            preconditionFailure("the report sink is the one built above")
        }
        self.service = service
        self.sink = sink
        var apiConfiguration = APIServerConfiguration(
            host: options.host, port: options.port,
            tls: service.pki.serverTLSConfiguration(denyList: TLSDenyList()))
        apiConfiguration.metricsRequireToken = options.metricsRequireToken
        apiConfiguration.unauthenticatedRateLimit = options.unauthenticatedRateLimit
        apiConfiguration.installScriptPath = options.installScriptPath
        apiConfiguration.agentBinaryPath = options.agentBinaryPath
        let audit = service.audit
        apiConfiguration.audit = audit
        self.audit = audit
        self.retention = RetentionPruner(
            store: service.store, policy: policy, audit: audit, refusals: service.enrollmentRefusals)
        let apiLogger = DroverLogger(label: "drover.api")
        apiConfiguration.log = { apiLogger.error($0) }
        // The rollout engine: agents' answers and inventory transitions reach it from here on.
        let rollouts = RolloutCoordinator(store: service.store, dispatcher: service.registry, availability: inventory)
        service.commands.attach(rollouts)
        sink.observe(rollouts)
        sink.observeReports(rollouts)
        self.rollouts = rollouts
        api = try APIServer(
            configuration: apiConfiguration, store: service.store, inventory: inventory, fleetControl: service,
            rolloutControl: RolloutControlAdapter(rollouts))
        bootstrapToken = try Self.bootstrapAdminToken(store: service.store, directory: configuration.dataDirectory)
    }

    /// Serves agents and the API until ``shutdown()`` or cancellation.
    ///
    /// - Parameter onReady: called once with the agent listener's address and the API port.
    public func run(onReady: @escaping @Sendable (SocketAddress, Int) -> Void = { _, _ in }) async throws {
        let service = self.service
        let api = self.api
        let sink = self.sink
        let rollouts = self.rollouts
        let retention = self.retention
        // Unfinished rollouts continue; their commands go out as agents reconnect.
        try rollouts.resume()
        let (listening, listeningContinuation) = AsyncStream.makeStream(of: SocketAddress.self)
        let stopping = NIOLockedValueBox(false)
        /// Which child finished: only the listeners ending (or failing) stops the daemon.
        enum Part { case api, agents, ready, clock }
        try await withThrowingTaskGroup(of: Part.self) { group in
            group.addTask {
                try await api.run()
                return .api
            }
            group.addTask {
                defer { listeningContinuation.finish() }
                try await service.run { address in listeningContinuation.yield(address) }
                return .agents
            }
            group.addTask {
                // Ready once both listeners are bound.
                let port = try await api.localPort()
                for await address in listening {
                    onReady(address, port)
                    break
                }
                return .ready
            }
            group.addTask {
                // Liveness: hosts that stop reporting turn lost within a second of the deadline.
                while !Task.isCancelled && !stopping.withLockedValue({ $0 }) {
                    try await Task.sleep(for: .seconds(1))
                    sink.tick(now: UnixTime.nowMillis())
                }
                return .clock
            }
            group.addTask {
                // History: refusal counts flushed every tick, old audit entries and events pruned
                // at the first tick and then every RetentionPolicy.pruneInterval.
                while !Task.isCancelled && !stopping.withLockedValue({ $0 }) {
                    retention.tick(now: UnixTime.nowMillis())
                    // Short sleeps: a stopping daemon waits for this task.
                    try await Task.sleep(for: RetentionPruner.tickInterval)
                }
                return .clock
            }
            group.addTask {
                // Rollouts: wake when something falls due (a host's min_healthy_time ending, a
                // deadline), and at least every second.
                while !Task.isCancelled && !stopping.withLockedValue({ $0 }) {
                    let now = UnixTime.nowMillis()
                    let wait = min(1_000, max(1, (rollouts.nextDueAt() ?? now + 1_000) - now))
                    try await Task.sleep(for: .milliseconds(wait))
                    rollouts.tick()
                }
                return .clock
            }
            var failure: (any Error)?
            while true {
                do {
                    guard let part = try await group.next() else { break }
                    if part == .ready { continue }
                } catch {
                    failure = failure ?? error
                }
                // A listener stopped or something failed: stop both gracefully and drain. No
                // cancellation: it would cut agent sessions before their Goodbye is sent.
                stopping.withLockedValue { $0 = true }
                service.shutdown()
                api.shutdown()
                if failure != nil { listeningContinuation.finish() }
            }
            if let failure, !(failure is CancellationError) { throw failure }
        }
    }

    /// Starts a graceful shutdown of agents and API.
    public func shutdown() {
        api.shutdown()
        service.shutdown()
    }

    private static func bootstrapAdminToken(store: any StateStore, directory: String) throws -> (String, String)? {
        guard try store.listAPITokens().isEmpty else { return nil }
        let issued = try store.createAPIToken(name: "bootstrap-admin", role: .admin, now: UnixTime.nowMillis())
        let path = directory + "/admin.token"
        try PrivateFile.write(Array((issued.token.tokenString + "\n").utf8), to: path)
        return (issued.token.tokenString, path)
    }
}
