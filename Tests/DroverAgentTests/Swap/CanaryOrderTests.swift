import DroverProxy
import DroverWire
import Foundation
import Testing

@testable import DroverAgent

/// Canary orders as values: from the wire, validation, the journal's encoding.
@Suite struct CanaryOrderTests {
    static func payload() -> Drover_V1_SwapPayload {
        var payload = Drover_V1_SwapPayload()
        payload.service = "web"
        payload.version = "v2"
        payload.engine = .process
        payload.command = ["/bin/serve"]
        payload.containerPort = 8080
        payload.publicPort = 8080
        payload.health.tcp = Drover_V1_TcpProbe()
        return payload
    }

    @Test func aCanaryPayloadCarriesItsWeightAndStickiness() throws {
        var payload = Self.payload()
        payload.canary = true
        payload.canaryWeightBp = 2_500
        payload.stickiness.source = .cookie
        payload.stickiness.name = "drover_web"
        payload.stickiness.allowlist = ["qa"]
        let order = try SwapOrder(payload: payload, revert: false)
        #expect(order.canary && order.canaryWeight == 2_500)
        #expect(order.stickiness == Stickiness(source: .cookie, name: "drover_web", allowlist: ["qa"]))
        #expect(order.stickiness?.keySource == .cookie(name: "drover_web"))
        try order.validate()
        // Unset stickiness is none; an allowlist without a source is refused.
        #expect(try SwapOrder(payload: Self.payload(), revert: false).stickiness == nil)
        var orphan = Self.payload()
        orphan.stickiness.allowlist = ["qa"]
        #expect(throws: SwapError.self) { try SwapOrder(payload: orphan, revert: false) }
        var address = Self.payload()
        address.stickiness.source = .clientAddress
        #expect(try SwapOrder(payload: address, revert: false).stickiness?.keySource == .clientAddress)
    }

    @Test func validationChecksTheWeightAndTheStickyName() {
        func reason(_ change: (inout SwapOrder) -> Void) -> String? {
            var order = SwapHarness.order("v2")
            change(&order)
            do {
                try order.validate()
                return nil
            } catch {
                return error.description
            }
        }
        #expect(reason { $0.canaryWeight = 10_000 } == nil)
        #expect(reason { $0.canaryWeight = 10_001 }?.contains("canary weight 10001 bp is outside") == true)
        #expect(reason { $0.stickiness = Stickiness(source: .header, name: "") }?.contains("stickiness name") == true)
        #expect(
            reason { $0.stickiness = Stickiness(source: .cookie, name: "a b") }?.contains("stickiness name") == true)
        #expect(reason { $0.stickiness = Stickiness(source: .clientAddress) } == nil)
    }

    @Test func weightsPayloadsNeedAServiceAndAVersion() throws {
        var payload = Drover_V1_WeightsPayload()
        payload.service = "web"
        payload.canaryVersion = "v2"
        payload.canaryWeightBp = 12_000
        // The weight is judged when the order runs (FAILED), not when it is parsed.
        #expect(
            try WeightsOrder(payload: payload)
                == WeightsOrder(service: "web", canaryVersion: "v2", canaryWeight: 12_000))
        payload.service = ""
        #expect(throws: SwapError.self) { try WeightsOrder(payload: payload) }
        payload.service = "web"
        payload.canaryVersion = ""
        #expect(throws: SwapError.self) { try WeightsOrder(payload: payload) }
    }

    @Test func aJournalWithACanaryRoundTripsAndOldJournalsHaveNone() throws {
        var canaryOrder = SwapHarness.order("v2")
        canaryOrder.canary = true
        canaryOrder.canaryWeight = 700
        canaryOrder.stickiness = Stickiness(source: .header, name: "x-user", allowlist: ["alice"])
        let stable = SwapJournal.Deployment(
            version: "v1", order: SwapHarness.order("v1"), instances: [.init(id: "a", name: "web-v1-0", port: 20_001)])
        let canary = SwapJournal.Deployment(
            version: "v2", order: canaryOrder, instances: [.init(id: "b", name: "web-v2-0", port: 20_002)])
        let journal = SwapJournal(
            services: ["web": .init(current: stable, canary: .init(deployment: canary, weight: 700))])
        let data = try JSONEncoder().encode(journal)
        #expect(try JSONDecoder().decode(SwapJournal.self, from: data) == journal)
        #expect(journal.services["web"]?.stickiness?.allowlist == ["alice"])
        // A journal written before canaries: no canary, orders without one.
        let old = Data(
            #"{"services":{"web":{"current":{"version":"v1","instances":[],"order":{"service":"web","version":"v1","engine":"process","command":["/bin/serve"],"environment":{},"containerPort":8080,"publicPort":8080,"instances":1,"health":{"tcp":{}},"healthInterval":1000,"healthTimeout":1000,"healthyThreshold":1,"unhealthyThreshold":1,"startPeriod":0,"healthyDeadline":1000,"drainTimeout":0,"stopGrace":0}}}},"commands":{}}"#
                .utf8)
        let decoded = try JSONDecoder().decode(SwapJournal.self, from: old)
        #expect(decoded.services["web"]?.canary == nil)
        #expect(decoded.services["web"]?.current?.order.canary == false)
        #expect(decoded.services["web"]?.current?.order.stickiness == nil)
    }
}
