import DroverStore
import Foundation
import Testing

/// Real `drover controller` and `drover-agent` processes on loopback: enrollment.
@Suite(.serialized) struct EnrollmentTests {
    @Test func agentEnrollsAndReportsArrive() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            #expect(fleet.caPin.hasPrefix("sha256:") && fleet.caPin.count == 7 + 64)
            #expect(mode(fleet.dataDirectory) == 0o700)
            #expect(mode(fleet.dataDirectory + "/ca.key") == 0o600)

            let token = try await fleet.createToken(uses: 2)
            _ = try fleet.startAgent("web-1", address: "127.0.0.2", token: token, pin: fleet.caPin)
            _ = try fleet.startAgent("web-2", address: "127.0.0.3", token: token, pin: fleet.caPin)
            let first = try await fleet.waitForReport(from: "web-1")
            let second = try await fleet.waitForReport(from: "web-2")

            // The controller chose the identities and saw each agent at its own source address.
            #expect(first.id.hasPrefix("h-") && second.id.hasPrefix("h-") && first.id != second.id)
            #expect(first.address.hasPrefix("127.0.0.2:"))
            #expect(second.address.hasPrefix("127.0.0.3:"))
            #expect(first.labels["test"] == "integration")
            #expect(first.agentVersion == "0.1.0")

            // The report carried real host figures.
            let report = try #require(try fleet.events(kind: "host.first_report", hostID: first.id).first)
            #expect(Int(report.details["cpu_cores"] ?? "") ?? 0 > 0)
            #expect(UInt64(report.details["memory_total_bytes"] ?? "") ?? 0 > 0)

            // The agent's identity is on disk, private, and issued for the host id (never the CSR's name).
            let state = fleet.stateDirectory("web-1")
            #expect(mode(state) == 0o700)
            for file in ["agent.key", "agent.crt", "ca.crt"] {
                #expect(mode(state + "/" + file) == 0o600, "\(file)")
            }
            let certificates = try fleet.withStore { try $0.certificates(hostID: first.id) }
            #expect(certificates.count == 1)
            let lifetimeDays = (certificates[0].notAfter - certificates[0].notBefore) / 86_400_000
            #expect((89...91).contains(lifetimeDays))

            // Reports keep coming: the live inventory's last-seen time moves forward (the store's
            // last_seen_at is only written once a minute and when the session ends).
            func lastSeen() async throws -> Int64 {
                (try await fleet.liveHost(named: "web-1")?["last_seen_ms"] as? NSNumber)?.int64Value ?? 0
            }
            let seen = try await lastSeen()
            #expect(seen > 0)
            try await pollAsync("last seen to advance in the live inventory") { try await lastSeen() > seen }
        }
    }

    @Test func unknownTokenIsRefused() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            let agent = try fleet.startAgent(
                "bad", address: "127.0.0.2", token: "drv_abcdefgh_" + String(repeating: "x", count: 32), pin: fleet.caPin)
            let status = try await agent.waitForExit()
            #expect(status == 3)
            #expect(agent.stderr.contains("refused the enrollment"))
            #expect(agent.stderr.contains("unknown"))
            let refusals = try fleet.events(kind: "enrollment.refused")
            #expect(refusals.count == 1)
            #expect(refusals.first?.details["reason"] == "unknown_token")
            #expect(try fleet.withStore { try $0.listHosts() }.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: fleet.stateDirectory("bad") + "/agent.crt"))
        }
    }

    @Test func expiredTokenIsRefused() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            let token = try fleet.createExpiredToken()
            let agent = try fleet.startAgent("late", address: "127.0.0.2", token: token, pin: fleet.caPin)
            #expect(try await agent.waitForExit() == 3)
            #expect(agent.stderr.contains("expired"))
            #expect(try fleet.events(kind: "enrollment.refused").first?.details["reason"] == "token_expired")
            #expect(try fleet.withStore { try $0.listHosts() }.isEmpty)
        }
    }

    @Test func singleUseTokenCannotBeReused() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            let token = try await fleet.createToken(uses: 1)
            _ = try fleet.startAgent("first", address: "127.0.0.2", token: token, pin: fleet.caPin)
            try await fleet.waitForReport(from: "first")
            let second = try fleet.startAgent("second", address: "127.0.0.3", token: token, pin: fleet.caPin)
            #expect(try await second.waitForExit() == 3)
            #expect(second.stderr.contains("used up"))
            #expect(try fleet.events(kind: "enrollment.refused").first?.details["reason"] == "token_used_up")
            #expect(try fleet.withStore { try $0.listHosts() }.map(\.name) == ["first"])
        }
    }

    @Test func wrongCAPinIsRefusedBeforeTheTokenIsSent() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            let token = try await fleet.createToken(uses: 1)
            let wrongPin = "sha256:" + String(repeating: "ab", count: 32)
            let agent = try fleet.startAgent("pinned", address: "127.0.0.2", token: token, pin: wrongPin)
            #expect(try await agent.waitForExit() == 3)
            #expect(agent.stderr.contains("could not be trusted"))
            #expect(agent.stderr.contains(wrongPin))
            // The token never reached the controller: it is still unused.
            let record = try #require(try fleet.withStore { try $0.listJoinTokens() }.first)
            #expect(record.uses == 0)

            // And the right pin works with the same token.
            _ = try fleet.startAgent("pinned", address: "127.0.0.2", token: token, pin: fleet.caPin, run: 2)
            try await fleet.waitForReport(from: "pinned")
        }
    }

    @Test func agentTakesItsSettingsFromTheEnvironment() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            let token = try await fleet.createToken(uses: 1)
            let state = fleet.stateDirectory("from-env")
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: state)
            _ = try scope.start(
                "from-env", Binaries.agent,
                ["--name", "from-env", "--bind-address", "127.0.0.3", "--server-name", "controller.drover.test",
                 "--report-interval", "500ms"],
                environment: [
                    "DROVER_CONTROLLER": "127.0.0.1:\(fleet.port)", "DROVER_TOKEN": token,
                    "DROVER_CA_PIN": fleet.caPin, "DROVER_STATE_DIR": state,
                ])
            let host = try await fleet.waitForReport(from: "from-env")
            #expect(host.address.hasPrefix("127.0.0.3:"))
            #expect(mode(state) == 0o700)  // an existing state directory is tightened
            #expect(FileManager.default.fileExists(atPath: state + "/agent.crt"))
        }
    }

    @Test func agentWithoutStateOrTokenExplainsWhatIsMissing() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            let agent = try fleet.startAgent("fresh", address: "127.0.0.2")
            #expect(try await agent.waitForExit() == 2)
            #expect(agent.stderr.contains("not enrolled"))
            #expect(agent.stderr.contains("--token"))
        }
    }
}

/// Permission bits of a path, or nil.
func mode(_ path: String) -> Int? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
        let permissions = attributes[.posixPermissions] as? Int
    else { return nil }
    return permissions & 0o777
}
