import DroverRollout
import DroverWire
import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the wire commands a rollout sends (§7.3.1): pure, so tests check payloads byte for byte.
enum RolloutCommandFactory {
    /// Slack on a swap's deadline beyond its own limits: dispatch, image start, clock skew.
    static let deadlineMargin: Int64 = 60_000
    /// How long an agent has to record a `CONFIRM`.
    static let confirmDeadline: Int64 = 60_000
    /// The version of a service that was not deployed yet; going back to it stops the service.
    static let noVersion = "none"

    /// A `SWAP` (or, with `revert`, a `ROLLBACK`) of `spec` at `version`; a revert to ``noVersion``
    /// is a `STOP` naming the service (nothing ran before the first deploy).
    ///
    /// - Parameter issuedAt: when the state machine issued the command; the deadline counts from
    ///   there so every re-delivery carries the same one.
    /// - Parameter canary: for a canary `SWAP`, fills the payload's canary fields (see
    ///   ``canarySwap(id:attempt:rolloutID:service:version:spec:weightBP:issuedAt:)``).
    static func swap(
        id: String, attempt: Int, rolloutID: String, service: String, version: String, spec: ServiceSpec?,
        revert: Bool, issuedAt: Int64, canary: ((inout Drover_V1_SwapPayload) -> Void)? = nil
    ) throws -> Drover_V1_Command {
        var payload = Drover_V1_SwapPayload()
        payload.rolloutID = rolloutID
        payload.service = service
        payload.version = version
        payload.revert = revert
        var deadline = issuedAt + deadlineMargin
        if let spec {
            fill(&payload, from: spec)
            deadline +=
                spec.update.healthyDeadline.milliseconds + spec.update.drainTimeout.milliseconds
                + spec.stopGrace.milliseconds
        }
        canary?(&payload)
        var command = Drover_V1_Command()
        command.id = id
        command.kind = spec == nil ? .stop : (revert ? .rollback : .swap)
        command.attempt = UInt32(clamping: attempt)
        command.deadlineUnixMs = deadline
        command.payload = try payload.serializedBytes()
        return command
    }

    /// A `CONFIRM`: `version` of `service` is known good on the host.
    static func confirm(id: String, service: String, version: String, now: Int64) throws -> Drover_V1_Command {
        var payload = Drover_V1_ConfirmPayload()
        payload.service = service
        payload.version = version
        var command = Drover_V1_Command()
        command.id = id
        command.kind = .confirm
        command.attempt = 1
        command.deadlineUnixMs = now + confirmDeadline
        command.payload = try payload.serializedBytes()
        return command
    }

    /// Copies what the agent needs from the spec.
    static func fill(_ payload: inout Drover_V1_SwapPayload, from spec: ServiceSpec) {
        payload.engine = spec.engine == .docker ? .docker : .process
        payload.image = spec.image ?? ""
        payload.command = spec.command ?? []
        payload.env = spec.env
        payload.containerPort = UInt32(clamping: spec.ports.container)
        payload.publicPort = UInt32(clamping: spec.ports.public)
        payload.proxyMode = spec.ports.mode == .tcp ? .tcp : .http
        payload.instances = UInt32(clamping: spec.hosts.instances)
        payload.health = probe(spec.health)
        payload.healthyDeadlineMs = UInt32(clamping: spec.update.healthyDeadline.milliseconds)
        payload.drainTimeoutMs = UInt32(clamping: spec.update.drainTimeout.milliseconds)
        payload.stopGraceMs = UInt32(clamping: spec.stopGrace.milliseconds)
    }

    /// The spec's health check as the wire's probe.
    static func probe(_ health: HealthCheck) -> Drover_V1_HealthProbe {
        var probe = Drover_V1_HealthProbe()
        switch health.probe {
        case .http(let path, let status):
            var http = Drover_V1_HttpProbe()
            http.path = path
            http.status = UInt32(clamping: status)
            probe.http = http
        case .tcp:
            probe.tcp = Drover_V1_TcpProbe()
        case .exec(let command):
            var exec = Drover_V1_ExecProbe()
            exec.command = command
            probe.exec = exec
        }
        probe.intervalMs = UInt32(clamping: health.interval.milliseconds)
        probe.timeoutMs = UInt32(clamping: health.timeout.milliseconds)
        probe.healthyThreshold = UInt32(clamping: health.healthyThreshold)
        probe.unhealthyThreshold = UInt32(clamping: health.unhealthyThreshold)
        probe.startPeriodMs = UInt32(clamping: health.startPeriod.milliseconds)
        return probe
    }
}
