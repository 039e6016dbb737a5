import DroverWire

/// What a `SET_WEIGHTS` command asks: the split on this host between a service's stable
/// version and its running canary (Protocol/README.md §7.3.1).
public struct WeightsOrder: Sendable, Equatable {
    /// The service.
    public var service: String
    /// The canary version that must be running.
    public var canaryVersion: String
    /// The canary's share in basis points; the stable version gets the rest.
    public var canaryWeight: Int

    /// An order.
    public init(service: String, canaryVersion: String, canaryWeight: Int) {
        self.service = service
        self.canaryVersion = canaryVersion
        self.canaryWeight = canaryWeight
    }

    /// The order a `SET_WEIGHTS` command carries.
    ///
    /// - Throws: ``SwapError/invalidOrder(_:)`` when the service or the version is missing or
    ///   malformed (the weight is checked against the host's state when the order runs).
    public init(payload: Drover_V1_WeightsPayload) throws(SwapError) {
        guard SwapOrder.isName(payload.service, maxLength: 63) else {
            throw .invalidOrder(
                "service \"\(payload.service)\" must be 1–63 of [a-z0-9._-], starting with a letter or digit")
        }
        guard !payload.canaryVersion.isEmpty, payload.canaryVersion.utf8.count <= 128 else {
            throw .invalidOrder("canary_version must be 1–128 bytes")
        }
        self.init(
            service: payload.service, canaryVersion: payload.canaryVersion,
            canaryWeight: Int(payload.canaryWeightBp))
    }
}
