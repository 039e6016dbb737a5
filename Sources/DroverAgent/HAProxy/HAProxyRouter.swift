import DroverProxy
import DroverSession

/// A ``TrafficRouter`` that drives one backend of a local HAProxy through its runtime API,
/// for operators who already run HAProxy in front of their services.
///
/// The operator's haproxy.cfg declares the frontend on the service's public port and a backend
/// (by default named after the service); Drover adds, weighs, drains and deletes its own
/// servers there (named by ``HAProxyServerName``) and never touches the others.
/// ``close(timeout:)`` deletes them (the swap executor closes its routers on shutdown, as it
/// does the embedded proxy); an agent that died without closing finds its servers again on
/// the next start and reconciles them with its table.
///
/// Weights and drain states are all it applies: a table's stickiness and canary allowlist are
/// not (HAProxy's own `balance hdr(NAME)` or `balance source` with `hash-type consistent`
/// makes clients sticky, and keeps them on their server while weights change); the
/// first table that asks for them is logged as a warning.
///
/// Statistics come from `show stat`: requests (`req_tot` in HTTP mode, `stot` in TCP),
/// errors (`hrsp_5xx` + `econ` + `eresp`), bytes. HAProxy keeps no latency distribution, only
/// averages over each server's last 1,024 requests; the histogram gets that average once per
/// request counted since the previous read, so its count and mean are right and its
/// percentiles are as coarse as the average (HAProxy gives no percentiles).
public actor HAProxyRouter: TrafficRouter {
    /// What the router drives and how patiently.
    public struct Configuration: Sendable, Hashable {
        /// The runtime API socket (`stats socket … level admin`).
        public var socketPath: String
        /// The HAProxy backend Drover's servers go in.
        public var backend: String
        /// The port HAProxy's frontend listens on, reported by ``HAProxyRouter/start()``.
        public var publicPort: Int
        /// The mode the service's order asks for; ``HAProxyRouter/start()`` refuses a backend
        /// in the other mode. Nil: not checked.
        public var mode: ServiceProxyConfiguration.Mode?
        /// How long one runtime command may take.
        public var commandTimeout: Duration
        /// How long a removed server may keep sessions open before they are shut.
        public var removalTimeout: Duration
        /// Time between two looks at a server's open sessions while draining or removing.
        public var pollInterval: Duration

        /// A configuration; `backend` must already exist in haproxy.cfg.
        public init(
            socketPath: String, backend: String, publicPort: Int, mode: ServiceProxyConfiguration.Mode? = nil,
            commandTimeout: Duration = .seconds(5),
            removalTimeout: Duration = .seconds(10), pollInterval: Duration = .milliseconds(5)
        ) {
            self.socketPath = socketPath
            self.backend = backend
            self.publicPort = publicPort
            self.mode = mode
            self.commandTimeout = commandTimeout
            self.removalTimeout = removalTimeout
            self.pollInterval = pollInterval
        }
    }

    /// A server Drover put in the backend, as last set.
    struct Server: Sendable, Hashable {
        var name: HAProxyServerName
        var host: String
        var port: Int
        /// The HAProxy weight last set; nil when unknown (a server found at start).
        var weight: Int?
        /// The state last set; nil when unknown.
        var state: Backend.State?
    }

    /// The router's settings.
    public nonisolated let configuration: Configuration
    let client: HAProxyRuntimeClient
    /// Drover's servers in the backend, by backend id.
    var servers: [String: Server] = [:]
    /// Whether the servers already in the backend have been read (once, before the first change).
    var adopted = false
    var closed = false
    /// Counters of deleted servers, by version: totals must not shrink when servers go.
    var retired: [String: VersionMetrics] = [:]
    /// Latency recorded so far, by version (see the type's note on averages).
    var latency: [String: LatencyHistogram] = [:]
    /// Per server name: the requests already accounted for in ``latency``.
    var latencyCounted: [String: UInt64] = [:]
    /// The last statistics read, answered when HAProxy cannot be reached.
    var lastStatistics: [String: VersionMetrics] = [:]
    /// Whether the warning about stickiness has been logged.
    var warnedAboutStickiness = false
    let logger: DroverLogger

    /// A router for one backend; nothing is sent before the first call.
    public init(configuration: Configuration, logger: DroverLogger = DroverLogger(label: "drover.agent.haproxy")) {
        self.configuration = configuration
        self.logger = logger
        client = HAProxyRuntimeClient(socketPath: configuration.socketPath, timeout: configuration.commandTimeout)
    }

    /// Checks the socket answers and the backend exists (reading the servers Drover left there
    /// earlier) in the configured mode, then reports the frontend's port.
    ///
    /// - Throws: ``HAProxyError`` when the socket or the backend is missing, or the backend is
    ///   in HTTP mode for a TCP service (or the other way round).
    public func start() async throws -> Int {
        guard !closed else { throw ProxyError.closed }
        try await adoptIfNeeded()
        if let mode = configuration.mode {
            let command = "show stat -1 2 -1"
            let wanted = mode == .http ? "http" : "tcp"
            let found = HAProxyStats.backendMode(
                inShowStat: try await client.send(command), backend: configuration.backend)
            guard found == wanted else {
                throw HAProxyError.commandFailed(
                    command: command,
                    answer: "backend \(configuration.backend) is in mode \(found ?? "unknown"), the service needs "
                        + "mode \(wanted) (set `mode \(wanted)` in its haproxy.cfg section)")
            }
        }
        return configuration.publicPort
    }

    /// Makes the backend's Drover servers match `table`: new ones added, weights and drain
    /// states set, removed ones put in maintenance, waited for, and deleted.
    ///
    /// - Throws: ``ProxyError`` for an invalid table or a closed router, ``HAProxyError`` when
    ///   HAProxy refuses a command (the servers changed before it stay changed).
    public func update(_ table: RoutingTable) async throws {
        guard !closed else { throw ProxyError.closed }
        try table.validate()
        try await adoptIfNeeded()
        if table.stickiness != nil || !table.canaryAllowlist.isEmpty, !warnedAboutStickiness {
            warnedAboutStickiness = true
            logger.warning(
                "the HAProxy router applies weights only: stickiness and the canary allowlist are ignored "
                    + "(for sticky clients use `balance hdr(NAME)` or `balance source` with `hash-type consistent` in haproxy.cfg)",
                ["haproxy.backend": configuration.backend])
        }
        let weights = HAProxyWeights.map(table.backends.map { $0.state == .active ? $0.weight : 0 })
        let wanted = Set(table.backends.map(\.id))
        // Gone first when an id moved to another address: the name must be free again.
        for backend in table.backends {
            if let known = servers[backend.id],
                known.host != backend.host || known.port != backend.port || known.name.version != backend.version
            {
                try await remove(backendID: backend.id)
            }
        }
        // New servers, then weights and states (so traffic never has nowhere to go), then removals.
        for (backend, weight) in zip(table.backends, weights) where servers[backend.id] == nil {
            try await add(backend, weight: weight)
        }
        // Rising weights (and servers coming back to ready) before falling ones: switching all
        // traffic from one version to another (0 → all, all → 0) must never pass through a
        // moment with every server at weight 0, which HAProxy answers with 503.
        let changes = zip(table.backends, weights).map { (backend: $0, weight: $1) }
        let rising = changes.filter { change in
            (servers[change.backend.id]?.weight ?? 0) <= change.weight && change.backend.state == .active
        }
        let falling = changes.filter { change in
            !((servers[change.backend.id]?.weight ?? 0) <= change.weight && change.backend.state == .active)
        }
        for change in rising + falling {
            try await apply(weight: change.weight, state: change.backend.state, to: change.backend.id)
        }
        for id in servers.keys.sorted() where !wanted.contains(id) {
            try await remove(backendID: id)
        }
    }

    /// Puts a backend's server in drain state (no new requests; persistence aside) and waits
    /// until its sessions are done or `timeout`, then shuts what is left.
    public func drain(backendID: String, timeout: Duration) async -> DrainResult {
        let started = ContinuousClock.now
        guard let server = servers[backendID] else {
            return DrainResult(backendID: backendID, inFlightAtStart: 0, forceClosed: 0, duration: .zero)
        }
        let name = "\(configuration.backend)/\(server.name)"
        do {
            try await client.expectEmpty("set server \(name) state drain")
            servers[backendID]?.state = .draining
        } catch {
            // Still waited for below: a failed command must not cut requests short.
        }
        let atStart = (try? await currentSessions(server.name.description)) ?? 0
        let left = await waitForSessionsToEnd(of: server.name.description, until: started + timeout)
        if left > 0 { _ = try? await client.send("shutdown sessions server \(name)") }
        return DrainResult(
            backendID: backendID, inFlightAtStart: atStart, forceClosed: left, duration: ContinuousClock.now - started)
    }

    /// Removes every server Drover added (each given up to `timeout` to finish its sessions).
    public func close(timeout: Duration) async {
        guard !closed else { return }
        closed = true
        let deadline = ContinuousClock.now + timeout
        for id in servers.keys.sorted() {
            try? await remove(backendID: id, deadline: deadline)
        }
    }

    // MARK: - server changes

    /// Reads the Drover servers already in the backend (left by an earlier agent) once.
    func adoptIfNeeded() async throws(HAProxyError) {
        guard !adopted else { return }
        let command = "show servers state \(configuration.backend)"
        let states = try HAProxyStats.serverStates(try await client.send(command), command: command)
        for state in states {
            guard let name = HAProxyServerName(state.name) else { continue }
            servers[name.backendID] = Server(name: name, host: state.address, port: state.port, weight: nil, state: nil)
        }
        adopted = true
    }

    /// Adds a server (HAProxy creates dynamic servers in maintenance) and takes it out of maintenance.
    func add(_ backend: Backend, weight: Int) async throws(HAProxyError) {
        let name = HAProxyServerName(version: backend.version, backendID: backend.id)
        let qualified = "\(configuration.backend)/\(name)"
        let command = "add server \(qualified) \(backend.host):\(backend.port) weight \(weight)"
        let answer = try await client.send(command)
        guard answer.hasPrefix("New server registered") else {
            throw .commandFailed(command: command, answer: answer)
        }
        latencyCounted[name.description] = 0
        servers[backend.id] = Server(name: name, host: backend.host, port: backend.port, weight: weight, state: nil)
    }

    /// Sets a server's weight and state where they differ from what was last set.
    func apply(weight: Int, state: Backend.State, to id: String) async throws(HAProxyError) {
        guard let server = servers[id] else { return }
        let qualified = "\(configuration.backend)/\(server.name)"
        if server.weight != weight {
            try await client.expectEmpty("set server \(qualified) weight \(weight)")
            servers[id]?.weight = weight
        }
        if server.state != state {
            try await client.expectEmpty("set server \(qualified) state \(state == .active ? "ready" : "drain")")
            servers[id]?.state = state
        }
    }

    /// Takes a server out: maintenance (no new sessions), its sessions waited for (shut at the
    /// deadline), its counters kept, then `del server`.
    func remove(backendID id: String, deadline: ContinuousClock.Instant? = nil) async throws(HAProxyError) {
        guard let server = servers[id] else { return }
        let deadline = deadline ?? ContinuousClock.now + configuration.removalTimeout
        let name = server.name.description
        let qualified = "\(configuration.backend)/\(name)"
        do {
            try await client.expectEmpty("set server \(qualified) state maint")
        } catch .noSuchServer {
            servers[id] = nil
            return
        }
        if await waitForSessionsToEnd(of: name, until: deadline) > 0 {
            try await client.send("shutdown sessions server \(qualified)")
        }
        let final = try await serverRows().first { $0.server == name }
        while true {
            let answer: String
            do {
                answer = try await client.send("del server \(qualified)")
            } catch .noSuchServer {
                break
            }
            if answer.hasPrefix("Server deleted") { break }
            // Connections still closing (HAProxy counts idle ones too): a few ms more.
            guard ContinuousClock.now < deadline + .seconds(1) else {
                throw .commandFailed(command: "del server \(qualified)", answer: answer)
            }
            try? await Task.sleep(for: configuration.pollInterval)
        }
        if let final { retire(final, version: server.name.version) }
        servers[id] = nil
    }

    /// Polls a server's open sessions until none or `deadline`; returns how many are left (a
    /// failed look is not taken for 0: the last count seen stands).
    func waitForSessionsToEnd(of server: String, until deadline: ContinuousClock.Instant) async -> Int {
        var open: Int?
        while true {
            if let seen = try? await currentSessions(server) { open = seen }
            if open == 0 || ContinuousClock.now >= deadline { return open ?? 0 }
            try? await Task.sleep(for: configuration.pollInterval)
        }
    }

    /// A server's open sessions (0 when it is gone).
    func currentSessions(_ server: String) async throws(HAProxyError) -> Int {
        Int(clamping: try await serverRows().first { $0.server == server }?.currentSessions ?? 0)
    }

    /// The backend's server rows from `show stat` (every proxy's servers, type 4: HAProxy 2.6
    /// filters only by proxy id, which a reload may change, so the rows are filtered by name here).
    func serverRows() async throws(HAProxyError) -> [HAProxyStats.ServerRow] {
        let answer = try await client.send("show stat -1 4 -1")
        return try HAProxyStats.servers(inShowStat: answer, backend: configuration.backend)
    }
}
