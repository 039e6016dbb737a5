import DroverProxy
import DroverWire

extension SwapOrder {
    /// The order a `SWAP` or `ROLLBACK` command carries (Protocol/README.md §7.3.1).
    ///
    /// - Parameter revert: the command is a `ROLLBACK` (also set when the payload says so).
    /// - Throws: ``SwapError/invalidOrder(_:)`` when the payload cannot be an order; the
    ///   executor's ``validate()`` checks the rest.
    public init(payload: Drover_V1_SwapPayload, revert: Bool) throws(SwapError) {
        let engine: Engine
        switch payload.engine {
        case .docker: engine = .docker
        case .process: engine = .process
        default: throw .invalidOrder("engine is not set (ENGINE_DOCKER or ENGINE_PROCESS)")
        }
        let health: HealthProbe
        switch payload.health.probe {
        case .http(let http):
            health = .http(path: http.path.isEmpty ? "/" : http.path, status: Int(http.status == 0 ? 200 : http.status))
        case .tcp: health = .tcp
        case .exec(let exec): health = .exec(exec.command)
        case nil: throw .invalidOrder("health has no probe (http, tcp or exec)")
        }
        func ms(_ value: UInt32, default fallback: Duration) -> Duration {
            value == 0 ? fallback : .milliseconds(Int64(value))
        }
        self.init(
            service: payload.service,
            version: payload.version,
            engine: engine,
            image: payload.image.isEmpty ? nil : payload.image,
            command: payload.command.isEmpty ? nil : payload.command,
            environment: payload.env,
            containerPort: Int(payload.containerPort),
            publicPort: Int(payload.publicPort),
            instances: Int(payload.instances == 0 ? 1 : payload.instances),
            health: health,
            healthInterval: ms(payload.health.intervalMs, default: .seconds(5)),
            healthTimeout: ms(payload.health.timeoutMs, default: .seconds(2)),
            healthyThreshold: Int(payload.health.healthyThreshold == 0 ? 2 : payload.health.healthyThreshold),
            unhealthyThreshold: Int(payload.health.unhealthyThreshold == 0 ? 3 : payload.health.unhealthyThreshold),
            startPeriod: .milliseconds(Int64(payload.health.startPeriodMs)),
            healthyDeadline: ms(payload.healthyDeadlineMs, default: .seconds(120)),
            drainTimeout: .milliseconds(Int64(payload.drainTimeoutMs)),
            stopGrace: ms(payload.stopGraceMs, default: .seconds(10)),
            revert: revert || payload.revert,
            proxyMode: payload.proxyMode == .tcp ? .tcp : .http,
            canary: payload.canary,
            canaryWeight: Int(payload.canaryWeightBp),
            stickiness: try Stickiness(wire: payload.hasStickiness ? payload.stickiness : nil))
    }
}

extension Stickiness {
    /// The wire's stickiness; `nil` when unset or `SOURCE_UNSPECIFIED` with no allowlist.
    ///
    /// - Throws: ``SwapError/invalidOrder(_:)`` for an allowlist without a source or an
    ///   unknown source.
    init?(wire: Drover_V1_Stickiness?) throws(SwapError) {
        guard let wire else { return nil }
        switch wire.source {
        case .unspecified:
            guard wire.allowlist.isEmpty else {
                throw .invalidOrder("stickiness has an allowlist but no source (cookie, header or client address)")
            }
            return nil
        case .cookie: self.init(source: .cookie, name: wire.name, allowlist: wire.allowlist)
        case .header: self.init(source: .header, name: wire.name, allowlist: wire.allowlist)
        case .clientAddress: self.init(source: .clientAddress, name: "", allowlist: wire.allowlist)
        case .UNRECOGNIZED(let value): throw .invalidOrder("unknown stickiness source \(value)")
        }
    }
}

extension SwapResult {
    /// The wire form (§7.3): outcome, message, times and details.
    public func commandResult(commandID: String) -> Drover_V1_CommandResult {
        var result = Drover_V1_CommandResult()
        result.commandID = commandID
        switch outcome {
        case .succeeded: result.outcome = .succeeded
        case .failed: result.outcome = .failed
        case .timedOut: result.outcome = .timedOut
        case .cancelled: result.outcome = .cancelled
        }
        result.message = message
        result.startedUnixMs = startedUnixMs
        result.finishedUnixMs = finishedUnixMs
        result.details = details
        return result
    }
}

extension SwapOrder {
    /// The service proxy's configuration for this order on `host`.
    func proxyConfiguration(host: String) -> ServiceProxyConfiguration {
        ServiceProxyConfiguration(host: host, port: publicPort, mode: proxyMode == .tcp ? .tcp : .http)
    }
}
