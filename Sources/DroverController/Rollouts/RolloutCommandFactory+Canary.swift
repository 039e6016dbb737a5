import DroverRollout
import DroverWire
import SwiftProtobuf

/// The canary and blue-green commands (§7.3.1): a canary `SWAP`, `SET_WEIGHTS`; promotion and
/// reverts are ``RolloutCommandFactory/swap(id:attempt:rolloutID:service:version:spec:revert:issuedAt:)``.
extension RolloutCommandFactory {
    /// A `SWAP` with `canary` set: `version` starts beside stable, health-checked, then gets
    /// `weightBP` of the traffic, with the spec's stickiness and allowlist.
    static func canarySwap(
        id: String, attempt: Int, rolloutID: String, service: String, version: String, spec: ServiceSpec,
        weightBP: Int, issuedAt: Int64
    ) throws -> Drover_V1_Command {
        try swap(
            id: id, attempt: attempt, rolloutID: rolloutID, service: service, version: version, spec: spec,
            revert: false, issuedAt: issuedAt
        ) { payload in
            payload.canary = true
            payload.canaryWeightBp = UInt32(clamping: weightBP)
            if let canary = spec.update.canary, let wire = stickiness(canary) { payload.stickiness = wire }
        }
    }

    /// A `SET_WEIGHTS`: the running canary `canaryVersion` gets `weightBP`, stable the rest.
    static func setWeights(
        id: String, attempt: Int, rolloutID: String, service: String, canaryVersion: String, weightBP: Int,
        issuedAt: Int64
    ) throws -> Drover_V1_Command {
        var payload = Drover_V1_WeightsPayload()
        payload.rolloutID = rolloutID
        payload.service = service
        payload.canaryVersion = canaryVersion
        payload.canaryWeightBp = UInt32(clamping: weightBP)
        var command = Drover_V1_Command()
        command.id = id
        command.kind = .setWeights
        command.attempt = UInt32(clamping: attempt)
        command.deadlineUnixMs = issuedAt + deadlineMargin
        command.payload = try payload.serializedBytes()
        return command
    }

    /// The spec's stickiness as the wire's; `nil` when the canary is not sticky and has no allowlist.
    static func stickiness(_ canary: CanaryPolicy) -> Drover_V1_Stickiness? {
        guard canary.stickiness != nil || !canary.allowlist.isEmpty else { return nil }
        var wire = Drover_V1_Stickiness()
        switch canary.stickiness {
        case .cookie(let name):
            wire.source = .cookie
            wire.name = name
        case .header(let name):
            wire.source = .header
            wire.name = name
        case .clientAddress:
            wire.source = .clientAddress
        case nil:
            wire.source = .unspecified
        }
        wire.allowlist = canary.allowlist
        return wire
    }
}
