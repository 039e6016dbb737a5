import Foundation
import Testing

/// The real `drover-agent` pages out its start-up code once its session has reported, and
/// goes on reporting from the pages it faults back in.
@Suite(.serialized) struct StartupPagesIntegrationTests {
    @Test func agentPagesOutStartupCodeAndKeepsReporting() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            let token = try await fleet.createToken(uses: 1)
            let agent = try fleet.startAgent(
                "lean", address: "127.0.0.2", token: token, pin: fleet.caPin, environment: ["DROVER_LOG_LEVEL": "debug"]
            )
            try await fleet.waitForReport(from: "lean")

            var advised = 0
            try await poll("the agent to page out its start-up pages") {
                guard
                    let line = agent.stderr.split(separator: "\n").first(where: {
                        $0.contains("paged out start-up pages")
                    })
                else { return false }
                advised =
                    line.split(separator: " ").first { $0.hasPrefix("bytes=") }.flatMap { Int($0.dropFirst(6)) } ?? 0
                return true
            }
            #expect(advised > 1_000_000, "advised \(advised) bytes")

            // Reports keep arriving after the page-out.
            let after = Fleet.nowMillis()
            func lastSeen() async throws -> Int64 {
                (try await fleet.liveHost(named: "lean")?["last_seen_ms"] as? NSNumber)?.int64Value ?? 0
            }
            try await pollAsync("a report after the page-out") { try await lastSeen() > after }
            #expect(agent.isRunning)
        }
    }
}
