import DroverRollout
import Foundation
import Testing

@Suite("Rollout state JSON")
struct RolloutStateJSONTests {
    func reference(_ state: RolloutState) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(state), as: UTF8.self)
    }

    @Test("the hand-built text is JSONEncoder's, byte for byte, at every step of a rollout and its rollback")
    func matchesJSONEncoder() throws {
        var harness = RolloutHarness(plan(hosts: 5, maxParallel: 2))
        var states = [harness.state]
        harness.send(.start)
        states.append(harness.state)
        harness.host("h1", .swapStarted(commandID: harness.commandID("h1")))
        harness.host("h1", .instanceHealthy(commandID: harness.commandID("h1")))
        states.append(harness.state)
        harness.advance(by: 60_000)
        states.append(harness.state)
        harness.host("h2", .hostLost)
        states.append(harness.state)
        harness.host(
            "h3",
            .instanceUnhealthy(commandID: harness.commandID("h3"), observed: "HTTP 500 \"bad\"\n/x", threshold: "3"))
        states.append(harness.state)
        harness.host("h1", .swapFailed(commandID: harness.commandID("h1"), reason: "disk\tfull \u{1}"))
        states.append(harness.state)
        harness.advance(by: 1_000)
        states.append(harness.state)
        var odd = harness.state
        odd.hosts[0].name = "ä/\\\"\u{7}"
        odd.hosts[0].commandID = nil
        odd.startedAt = nil
        states.append(odd)
        #expect(states.contains { $0.rollback != nil })
        for state in states {
            let text = try state.jsonText()
            #expect(text == (try reference(state)))
            #expect(try state.jsonText(planJSON: state.planJSONText()) == text)
            #expect(try JSONDecoder().decode(RolloutState.self, from: Data(text.utf8)) == state)
            // Each host's own text (a stored part) is JSONEncoder's too.
            for host in state.hosts {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                #expect(host.jsonText() == String(decoding: try encoder.encode(host), as: UTF8.self))
            }
        }
    }
}
