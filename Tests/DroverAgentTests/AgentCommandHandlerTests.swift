import DroverAgent
import DroverProxy
import DroverWire
import Foundation
import NIOConcurrencyHelpers
import SwiftProtobuf
import Synchronization
import Testing

/// The agent's command handling (§7.3) over a real executor with a fake engine: what each
/// command kind is answered with, re-deliveries, and the revert when the controller is gone.
@Suite struct AgentCommandHandlerTests {
    typealias H = SwapHarness
    let now: Int64 = 1_800_000_000_000

    func command(
        _ id: String, _ kind: Drover_V1_CommandKind, version: String = "v1", deadline: Int64 = 0,
        canaryWeight: UInt32? = nil
    ) throws -> Drover_V1_Command {
        var payload = Drover_V1_SwapPayload()
        payload.service = "web"
        payload.version = version
        payload.engine = .process
        payload.command = ["/bin/serve", version]
        payload.containerPort = 8080
        payload.publicPort = 8080
        payload.instances = 1
        payload.health.exec.command = ["check"]
        payload.health.intervalMs = 1_000
        payload.health.timeoutMs = 500
        payload.healthyDeadlineMs = 30_000
        payload.drainTimeoutMs = 1_000
        payload.stopGraceMs = 1_000
        if let canaryWeight, kind == .swap {
            payload.canary = true
            payload.canaryWeightBp = canaryWeight
        }
        var command = Drover_V1_Command()
        command.id = id
        command.kind = kind
        command.deadlineUnixMs = deadline
        if kind == .confirm {
            var confirm = Drover_V1_ConfirmPayload()
            confirm.service = "web"
            confirm.version = version
            command.payload = try confirm.serializedData()
        } else if kind == .setWeights {
            var weights = Drover_V1_WeightsPayload()
            weights.service = "web"
            weights.canaryVersion = version
            weights.canaryWeightBp = canaryWeight ?? 0
            command.payload = try weights.serializedData()
        } else {
            command.payload = try payload.serializedData()
        }
        return command
    }

    @Test func swapsAreAcceptedOnceAndReDeliveriesAnswerTheFirstResult() async throws {
        try await H.with { h in
            let handler = AgentCommandHandler(executor: h.executor, revertAfter: nil)
            let sent = NIOLockedValueBox<[DroverMessage]>([])
            #expect(handler.sessionEstablished { message in sent.withLockedValue { $0.append(message) } }.isEmpty)
            let first = await handler.receive(try command("c-1", .swap), nowUnixMs: now)
            #expect(first.status == .accepted && first.commandID == "c-1")
            let result = try await h.result("c-1")
            #expect(result.outcome == .succeeded)
            let again = await handler.receive(try command("c-1", .swap), nowUnixMs: now)
            #expect(again.status == .duplicate && again.result.outcome == .succeeded && again.result.commandID == "c-1")
            #expect(h.engine.running(version: "v1").count == 1, "nothing started twice")

            // CONFIRM records the known-good version and answers at once.
            #expect(await handler.receive(try command("c-2", .confirm), nowUnixMs: now).status == .accepted)
            #expect(await h.executor.state().first?.knownGoodVersion == "v1")
            #expect(
                sent.withLockedValue { $0 }.contains {
                    if case .commandResult(let r) = $0 {
                        r.commandID == "c-2" && r.outcome == .succeeded
                    } else {
                        false
                    }
                })
            // STOP takes the service off the host; a second STOP is a success too.
            #expect(await handler.receive(try command("c-3", .stop), nowUnixMs: now).status == .accepted)
            #expect(await h.executor.state().isEmpty && h.engine.running(version: "v1").isEmpty)
            #expect(await handler.receive(try command("c-4", .stop), nowUnixMs: now).status == .accepted)
        }
    }

    @Test func aConfirmOfTheServiceConfirmsItsResultsAndAnEmptyVersionLeavesTheKnownGoodOne() async throws {
        try await H.with { h in
            let handler = AgentCommandHandler(executor: h.executor, revertAfter: nil)
            _ = handler.sessionEstablished { _ in }
            #expect(await handler.receive(try command("c-1", .swap), nowUnixMs: now).status == .accepted)
            #expect(try await h.result("c-1").outcome == .succeeded)
            #expect(await handler.receive(try command("c-2", .stop), nowUnixMs: now).status == .accepted)
            // The STOP's result is kept and re-sent after a reconnect until it is confirmed.
            handler.sessionEnded()
            #expect(handler.sessionEstablished { _ in }.map(\.commandID) == ["c-2"])
            // A CONFIRM of another service leaves it.
            var other = try command("c-3", .confirm)
            var payload = Drover_V1_ConfirmPayload()
            payload.service = "api"
            payload.version = "v1"
            other.payload = try payload.serializedData()
            #expect(await handler.receive(other, nowUnixMs: now).status == .accepted)
            #expect(handler.sessionEstablished { _ in }.map(\.commandID) == ["c-2"])
            // A CONFIRM of the service with no version (the rollout settled none here) confirms it.
            let sent = NIOLockedValueBox<[DroverMessage]>([])
            _ = handler.sessionEstablished { message in sent.withLockedValue { $0.append(message) } }
            #expect(
                await handler.receive(try command("c-4", .confirm, version: ""), nowUnixMs: now).status == .accepted)
            #expect(handler.sessionEstablished { _ in }.isEmpty)
            let answer = sent.withLockedValue { $0 }.compactMap { message -> Drover_V1_CommandResult? in
                if case .commandResult(let result) = message, result.commandID == "c-4" { result } else { nil }
            }.first
            #expect(answer?.outcome == .succeeded && answer?.details["results_confirmed"] == "1")
            #expect(await h.executor.state().isEmpty)
        }
    }

    @Test func badCommandsAreRejectedWithAReasonAndChangeNothing() async throws {
        try await H.with { h in
            let handler = AgentCommandHandler(executor: h.executor, revertAfter: nil)
            var garbage = try command("c-1", .swap)
            garbage.payload = Data([0xFF, 0xFF, 0xFF])
            let malformed = await handler.receive(garbage, nowUnixMs: now)
            #expect(malformed.status == .rejected && malformed.reason.contains("SwapPayload"))
            let late = await handler.receive(try command("c-2", .swap, deadline: now - 1), nowUnixMs: now)
            #expect(late.status == .rejected && late.reason.contains("deadline"))
            let unknown = await handler.receive(try command("c-3", .UNRECOGNIZED(99)), nowUnixMs: now)
            #expect(unknown.status == .rejected)
            var noService = try command("c-5", .setWeights)
            noService.payload = Data()
            let weightless = await handler.receive(noService, nowUnixMs: now)
            #expect(weightless.status == .rejected && weightless.reason.contains("service"), "\(weightless.reason)")
            var anonymous = try command("", .swap)
            anonymous.id = ""
            #expect(await handler.receive(anonymous, nowUnixMs: now).status == .rejected)
            #expect(h.engine.instances.isEmpty)
        }
    }

    @Test func withoutTheControllerMidRolloutTheHostGoesBackToTheConfirmedVersionOnce() async throws {
        try await H.with { h in
            let handler = AgentCommandHandler(executor: h.executor, revertAfter: .seconds(60))
            _ = handler.sessionEstablished { _ in }
            _ = await handler.receive(try command("c-1", .swap, version: "v1"), nowUnixMs: now)
            _ = try await h.result("c-1")
            _ = await handler.receive(try command("c-2", .confirm, version: "v1"), nowUnixMs: now)
            _ = await handler.receive(try command("c-3", .swap, version: "v2"), nowUnixMs: now)
            _ = try await h.result("c-3")
            handler.sessionEnded()
            // v2 is not confirmed: the middle of a rollout.
            await handler.controllerAbsent(for: .seconds(30))
            #expect(await h.executor.state().first?.version == "v2", "not before revertAfter")
            await handler.controllerAbsent(for: .seconds(61))
            #expect(await h.executor.state().first?.version == "v1")
            #expect(h.engine.running(version: "v1").count == 1 && h.engine.running(version: "v2").isEmpty)
        }
    }

    @Test func setWeightsIsAnsweredAtOnceAndReDeliveriesAnswerTheFirstResult() async throws {
        try await H.with { h in
            let handler = AgentCommandHandler(executor: h.executor, revertAfter: nil)
            _ = await handler.receive(try command("c-1", .swap, version: "v1"), nowUnixMs: now)
            #expect(try await h.result("c-1").succeeded)
            let canary = await handler.receive(
                try command("c-2", .swap, version: "v2", canaryWeight: 1_000), nowUnixMs: now)
            #expect(canary.status == .accepted)
            #expect(try await h.result("c-2").succeeded)
            let set = await handler.receive(
                try command("w-1", .setWeights, version: "v2", canaryWeight: 2_500), nowUnixMs: now)
            #expect(set.status == .accepted)
            #expect(await h.executor.result(commandID: "w-1")?.succeeded == true, "the result is there at once")
            #expect(await h.executor.state().first?.canaryWeight == 2_500)
            let again = await handler.receive(
                try command("w-1", .setWeights, version: "v2", canaryWeight: 9_000), nowUnixMs: now)
            #expect(again.status == .duplicate && again.result.outcome == .succeeded)
            #expect(await h.executor.state().first?.canaryWeight == 2_500)
            let unknown = await handler.receive(
                try command("w-2", .setWeights, version: "v7", canaryWeight: 100), nowUnixMs: now)
            #expect(unknown.status == .accepted)
            #expect(await h.executor.result(commandID: "w-2")?.outcome == .failed)
            // The host report names the canary and its weight.
            // The proxy's counters of the serving version and the canary (not of versions long gone).
            var counters: [String: VersionMetrics] = [:]
            for (version, requests) in [("v0", 9), ("v1", 30), ("v2", 10)] {
                var metrics = VersionMetrics()
                metrics.requests = UInt64(requests)
                for _ in 0..<requests { metrics.latency.record(microseconds: 2_000) }
                counters[version] = metrics
            }
            h.routers.router(port: 8080)?.counters.withLock { $0 = counters }
            let status = try #require(await handler.serviceStatuses().first)
            #expect(status.version == "v1" && status.canaryVersion == "v2" && status.canaryWeightBp == 2_500)
            #expect(status.traffic.map(\.version) == ["v1", "v2"])
            #expect(status.traffic.map(\.requests) == [30, 10] && status.traffic.map(\.latencyCount) == [30, 10])
        }
    }

    @Test func withoutTheControllerACanaryIsRemovedEvenOnTheConfirmedVersion() async throws {
        try await H.with { h in
            let handler = AgentCommandHandler(executor: h.executor, revertAfter: .seconds(60))
            _ = await handler.receive(try command("c-1", .swap, version: "v1"), nowUnixMs: now)
            _ = try await h.result("c-1")
            _ = await handler.receive(try command("c-2", .confirm, version: "v1"), nowUnixMs: now)
            _ = await handler.receive(try command("c-3", .swap, version: "v2", canaryWeight: 5_000), nowUnixMs: now)
            #expect(try await h.result("c-3").succeeded)
            await handler.controllerAbsent(for: .seconds(61))
            let state = try #require(await h.executor.state().first)
            #expect(state.version == "v1" && state.canaryVersion == nil)
            #expect(h.engine.all(version: "v2").isEmpty)
        }
    }

    @Test func aConfirmedVersionIsNotRevertedAndNoRevertWithoutALimit() async throws {
        try await H.with { h in
            let handler = AgentCommandHandler(executor: h.executor, revertAfter: .seconds(60))
            _ = await handler.receive(try command("c-1", .swap, version: "v1"), nowUnixMs: now)
            _ = try await h.result("c-1")
            _ = await handler.receive(try command("c-2", .confirm, version: "v1"), nowUnixMs: now)
            await handler.controllerAbsent(for: .seconds(600))
            #expect(await h.executor.state().first?.version == "v1")
            let never = AgentCommandHandler(executor: h.executor, revertAfter: nil)
            _ = await never.receive(try command("c-3", .swap, version: "v2"), nowUnixMs: now)
            _ = try await h.result("c-3")
            await never.controllerAbsent(for: .seconds(86_400))
            #expect(await h.executor.state().first?.version == "v2")
        }
    }
}
