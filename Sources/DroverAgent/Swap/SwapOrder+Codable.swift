/// The journal's encoding of an order: durations as whole milliseconds, so the file stays
/// readable (`"drainTimeout": 30000`) instead of Duration's attosecond pairs.
extension SwapOrder {
    private enum CodingKeys: String, CodingKey {
        case service, version, engine, image, command, environment, containerPort, publicPort, instances
        case health, healthInterval, healthTimeout, healthyThreshold, unhealthyThreshold, startPeriod
        case healthyDeadline, drainTimeout, stopGrace, revert, proxyMode, canary, canaryWeight, stickiness
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func duration(_ key: CodingKeys) throws -> Duration {
            .milliseconds(try container.decode(Int64.self, forKey: key))
        }
        self.init(
            service: try container.decode(String.self, forKey: .service),
            version: try container.decode(String.self, forKey: .version),
            engine: try container.decode(Engine.self, forKey: .engine),
            image: try container.decodeIfPresent(String.self, forKey: .image),
            command: try container.decodeIfPresent([String].self, forKey: .command),
            environment: try container.decodeIfPresent([String: String].self, forKey: .environment) ?? [:],
            containerPort: try container.decode(Int.self, forKey: .containerPort),
            publicPort: try container.decode(Int.self, forKey: .publicPort),
            instances: try container.decode(Int.self, forKey: .instances),
            health: try container.decode(HealthProbe.self, forKey: .health),
            healthInterval: try duration(.healthInterval),
            healthTimeout: try duration(.healthTimeout),
            healthyThreshold: try container.decode(Int.self, forKey: .healthyThreshold),
            unhealthyThreshold: try container.decode(Int.self, forKey: .unhealthyThreshold),
            startPeriod: try duration(.startPeriod),
            healthyDeadline: try duration(.healthyDeadline),
            drainTimeout: try duration(.drainTimeout),
            stopGrace: try duration(.stopGrace),
            revert: try container.decodeIfPresent(Bool.self, forKey: .revert) ?? false,
            // Journals written before the mode existed were HTTP.
            proxyMode: try container.decodeIfPresent(ProxyMode.self, forKey: .proxyMode) ?? .http,
            // Journals written before canaries existed hold none.
            canary: try container.decodeIfPresent(Bool.self, forKey: .canary) ?? false,
            canaryWeight: try container.decodeIfPresent(Int.self, forKey: .canaryWeight) ?? 0,
            stickiness: try container.decodeIfPresent(Stickiness.self, forKey: .stickiness))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(service, forKey: .service)
        try container.encode(version, forKey: .version)
        try container.encode(engine, forKey: .engine)
        try container.encodeIfPresent(image, forKey: .image)
        try container.encodeIfPresent(command, forKey: .command)
        try container.encode(environment, forKey: .environment)
        try container.encode(containerPort, forKey: .containerPort)
        try container.encode(publicPort, forKey: .publicPort)
        try container.encode(instances, forKey: .instances)
        try container.encode(health, forKey: .health)
        try container.encode(healthInterval.wholeMilliseconds, forKey: .healthInterval)
        try container.encode(healthTimeout.wholeMilliseconds, forKey: .healthTimeout)
        try container.encode(healthyThreshold, forKey: .healthyThreshold)
        try container.encode(unhealthyThreshold, forKey: .unhealthyThreshold)
        try container.encode(startPeriod.wholeMilliseconds, forKey: .startPeriod)
        try container.encode(healthyDeadline.wholeMilliseconds, forKey: .healthyDeadline)
        try container.encode(drainTimeout.wholeMilliseconds, forKey: .drainTimeout)
        try container.encode(stopGrace.wholeMilliseconds, forKey: .stopGrace)
        try container.encode(revert, forKey: .revert)
        try container.encode(proxyMode, forKey: .proxyMode)
        try container.encode(canary, forKey: .canary)
        try container.encode(canaryWeight, forKey: .canaryWeight)
        try container.encodeIfPresent(stickiness, forKey: .stickiness)
    }
}
