import DroverAgent
import DroverRuntime
import DroverSession
import Foundation
import Testing

/// The journal and the order as values: transitions, limits, encoding, validation.
@Suite struct SwapJournalTests {
    @Test func ordersRoundTripWithMillisecondDurations() throws {
        var order = SwapHarness.order("v1", engine: .docker)
        order.environment = ["A": "1"]
        order.health = .http(path: "/health", status: 204)
        order.drainTimeout = .milliseconds(1500)
        let data = try JSONEncoder().encode(order)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"drainTimeout\":1500") && text.contains("\"healthyDeadline\":30000"))
        #expect(try JSONDecoder().decode(SwapOrder.self, from: data) == order)
        order.health = .exec(["check", "--fast"])
        #expect(try JSONDecoder().decode(SwapOrder.self, from: JSONEncoder().encode(order)) == order)
    }

    @Test func validationNamesTheProblem() {
        func reason(_ change: (inout SwapOrder) -> Void) -> String? {
            var order = SwapHarness.order("v1")
            change(&order)
            do {
                try order.validate()
                return nil
            } catch {
                return error.description
            }
        }
        #expect(reason { _ in } == nil)
        #expect(reason { $0.service = "Web App" }?.contains("service \"Web App\" must be") == true)
        #expect(reason { $0.version = "" }?.contains("version \"\" must be") == true)
        #expect(reason { $0.command = nil }?.contains("engine process needs a command") == true)
        #expect(reason { $0.engine = .docker }?.contains("engine docker needs an image") == true)
        #expect(reason { $0.publicPort = 70_000 }?.contains("publicPort 70000 is outside") == true)
        #expect(reason { $0.healthInterval = .zero }?.contains("healthInterval must be positive") == true)
        #expect(reason { $0.unhealthyThreshold = 0 }?.contains("unhealthyThreshold must be at least 1") == true)
        #expect(reason { $0.health = .exec([]) }?.contains("exec health check needs a command") == true)
        #expect(reason { $0.environment = ["A=B": "x"] }?.contains("environment variable name") == true)
    }

    @Test func theJournalKeepsTheLast512CommandsAndEveryRunningOne() {
        var journal = SwapJournal()
        let order = SwapHarness.order("v1")
        journal.admit(commandID: "running", order: order, nowUnixMs: 0)
        for index in 1...600 {
            journal.admit(
                commandID: "c-\(index)", order: SwapHarness.order("v1", service: "s\(index)"), nowUnixMs: Int64(index))
            journal.abandon(
                service: "s\(index)",
                result: SwapResult(
                    outcome: .failed, message: "no", startedUnixMs: Int64(index), finishedUnixMs: Int64(index)))
        }
        #expect(journal.commands.count == SwapJournal.commandLimit)
        #expect(journal.commands["running"]?.status == .running)
        #expect(journal.commands["c-600"] != nil && journal.commands["c-89"] == nil && journal.commands["c-90"] != nil)
    }

    @Test func aCommitKeepsOneVersionAndHandsBackTheOlderOne() {
        var journal = SwapJournal()
        func deploy(_ version: String, id: String) -> SwapJournal.Deployment? {
            journal.admit(commandID: "c-\(version)", order: SwapHarness.order(version), nowUnixMs: 1)
            journal.created(SwapJournal.Instance(id: id, name: "web-\(version)", port: 1), service: "web")
            return journal.commit(
                service: "web",
                result: SwapResult(outcome: .succeeded, message: "ok", startedUnixMs: 1, finishedUnixMs: 2))
        }
        #expect(deploy("v1", id: "a") == nil)
        #expect(deploy("v2", id: "b") == nil)
        #expect(deploy("v3", id: "c")?.instances.map(\.id) == ["a"])
        #expect(journal.services["web"]?.current?.version == "v3" && journal.services["web"]?.previous?.version == "v2")
        #expect(journal.commands["c-v3"]?.result?.outcome == .succeeded)
    }

    @Test func aCorruptJournalIsAnErrorNotAFreshStart() throws {
        let directory = temporaryPath("journal")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = SwapJournalFile(directory: directory)
        #expect(try file.load() == SwapJournal())
        try PrivateFile.makeDirectory(directory)
        try PrivateFile.write("{not json", to: file.path)
        #expect(throws: SwapError.self) { try file.load() }
    }

    @Test func recoveryWithAnEngineThatCannotBeAskedStartsBlindlyAndRecreatesNothing() {
        var journal = SwapJournal()
        journal.admit(commandID: "c-1", order: SwapHarness.order("v1"), nowUnixMs: 1)
        journal.created(SwapJournal.Instance(id: "a", name: "web-v1-a", port: 1), service: "web")
        _ = journal.commit(
            service: "web", result: SwapResult(outcome: .succeeded, message: "", startedUnixMs: 1, finishedUnixMs: 2))
        journal.admit(commandID: "c-2", order: SwapHarness.order("v2"), nowUnixMs: 3)
        journal.created(SwapJournal.Instance(id: "b", name: "web-v2-b", port: 2), service: "web")
        let plan = RecoveryPlan(journal: journal, observed: [:], nowUnixMs: 4)
        #expect(plan.actions == [.remove(engine: .process, id: "b", grace: .zero), .start(engine: .process, id: "a")])
        #expect(plan.journal.services["web"]?.swap == nil && plan.journal.commands["c-2"]?.status == .failed)
    }
}
