import DroverStore
import Foundation
import Testing

/// Real processes on loopback: restarts, reconnects, lost agents and removed hosts.
@Suite(.serialized) struct ReconnectTests {
    @Test func restartedAgentReconnectsWithoutToken() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            let token = try await fleet.createToken(uses: 1)
            let first = try fleet.startAgent("web-1", address: "127.0.0.2", token: token, pin: fleet.caPin)
            let host = try await fleet.waitForReport(from: "web-1")

            await first.stop()
            #expect(first.process.terminationStatus == 0)
            try await poll("the controller to see the goodbye") {
                try fleet.events(kind: "host.disconnected", hostID: host.id).contains {
                    $0.details["reason"]?.contains("goodbye") == true
                }
            }

            // No token, no pin: the stored identity is enough; the token is used up anyway.
            let restart = Fleet.nowMillis()
            _ = try fleet.startAgent("web-1", address: "127.0.0.2", run: 2)
            let again = try await fleet.waitForReport(from: "web-1", since: restart)
            #expect(again.id == host.id)
            #expect(try fleet.withStore { try $0.listHosts() }.count == 1)
        }
    }

    @Test func maxOpeningBelowOneIsAUsageError() async throws {
        try await withProcessScope { scope in
            let dataDirectory = scope.directory.appendingPathComponent("controller").path
            let process = try scope.start(
                "controller-bad-flag", Binaries.drover,
                ["controller", "--data-dir", dataDirectory, "--listen", "127.0.0.1:0", "--max-opening", "0"])
            let status = try await process.waitForExit()
            #expect(status == 1)  // usage error, as `drover --help` documents
            #expect(process.stderr.contains("--max-opening must be at least 1, got 0"))
            #expect(!FileManager.default.fileExists(atPath: dataDirectory + "/ca.key"))
        }
    }

    @Test func heartbeatRequestSpacingOutOfRangeIsAUsageError() async throws {
        try await withProcessScope { scope in
            let dataDirectory = scope.directory.appendingPathComponent("controller").path
            for value in ["0", "13"] {
                let process = try scope.start(
                    "controller-bad-heartbeats-\(value)", Binaries.drover,
                    [
                        "controller", "--data-dir", dataDirectory, "--listen", "127.0.0.1:0",
                        "--heartbeat-request-every", value,
                    ])
                #expect(try await process.waitForExit() == 1)
                #expect(process.stderr.contains("--heartbeat-request-every must be 1...12, got \(value)"))
            }
        }
    }

    /// With 1 s heartbeats only every sixth is a request: an agent that counted one-way
    /// heartbeats as unanswered would give up on the controller after 3 s, and a controller that
    /// did not count them would call the agent lost 3 s after a request. 9 s covers both.
    @Test func anAgentKeepsItsSessionWhileMostHeartbeatsGoUnanswered() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController(heartbeatInterval: "1s")
            let token = try await fleet.createToken(uses: 1)
            let agent = try fleet.startAgent("steady", address: "127.0.0.2", token: token, pin: fleet.caPin)
            let host = try await fleet.waitForReport(from: "steady")
            let connectedAt = try #require(try fleet.events(kind: "host.connected", hostID: host.id).first).at
            try await poll(timeout: .seconds(30), "9.5 s since the session began") {
                Fleet.nowMillis() >= connectedAt + 9_500
            }
            let live = try #require(try await fleet.liveHost(named: "steady"))
            #expect(live["state"] as? String == "ready")
            #expect((live["last_seen_ms"] as? Int64 ?? 0) >= connectedAt + 9_000)  // still reporting
            #expect(try fleet.events(kind: "host.connected", hostID: host.id).count == 1)
            #expect(try fleet.events(kind: "host.disconnected", hostID: host.id).isEmpty)
            #expect(agent.isRunning)
            #expect(agent.stderr.components(separatedBy: "session established").count == 2)  // once
        }
    }

    @Test func agentsReconnectAfterControllerRestart() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            let controller = try await fleet.startController()
            let token = try await fleet.createToken(uses: 2)
            let agentA = try fleet.startAgent("a", address: "127.0.0.2", token: token, pin: fleet.caPin)
            let agentB = try fleet.startAgent("b", address: "127.0.0.3", token: token, pin: fleet.caPin)
            let hostA = try await fleet.waitForReport(from: "a")
            let hostB = try await fleet.waitForReport(from: "b")
            let pin = fleet.caPin

            await controller.stop()
            #expect(controller.process.terminationStatus == 0)
            #expect(controller.stderr.contains("shutting down"))
            try await poll("both agents to hear the goodbye") {
                agentA.stderr.contains("controller said goodbye") && agentB.stderr.contains("controller said goodbye")
            }

            let restart = Fleet.nowMillis()
            // One connection opening at a time: the second agent waits in the accept queue
            // until the first one's session is established, and still gets in.
            try await fleet.startController(maxOpening: 1)
            #expect(fleet.caPin == pin)  // the CA survives restarts
            try await fleet.waitForReport(from: "a", since: restart)
            try await fleet.waitForReport(from: "b", since: restart)
            #expect(try fleet.host(named: "a")?.id == hostA.id)
            #expect(try fleet.host(named: "b")?.id == hostB.id)
            #expect(agentA.isRunning && agentB.isRunning)
        }
    }

    @Test func silentAgentIsDetectedAsLostAndComesBack() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController(heartbeatInterval: "1s")
            let token = try await fleet.createToken(uses: 1)
            let agent = try fleet.startAgent("frozen", address: "127.0.0.2", token: token, pin: fleet.caPin)
            let host = try await fleet.waitForReport(from: "frozen")

            agent.signal(SIGSTOP)
            try await poll(timeout: .seconds(20), "the controller to declare the agent lost") {
                try fleet.events(kind: "host.disconnected", hostID: host.id).contains {
                    $0.details["reason"]?.contains("agent lost") == true
                }
            }
            #expect(try fleet.host(named: "frozen")?.state == .lost)
            let resumed = Fleet.nowMillis()
            agent.signal(SIGCONT)
            try await fleet.waitForReport(from: "frozen", since: resumed)
            #expect(try fleet.host(named: "frozen")?.state == .ready)
        }
    }

    @Test func agentRenewsItsCertificateAndReconnects() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController(certificateLifetime: "9s")
            let token = try await fleet.createToken(uses: 1)
            let agent = try fleet.startAgent("renewer", address: "127.0.0.2", token: token, pin: fleet.caPin)
            let host = try await fleet.waitForReport(from: "renewer")
            let firstFingerprint = try #require(host.certFingerprint)

            // Renewal is due 6 s after issuance (2/3 of 9 s).
            try await poll(timeout: .seconds(30), "a renewed certificate") {
                try !fleet.events(kind: "host.certificate_renewed", hostID: host.id).isEmpty
            }
            let renewedAt = try #require(try fleet.events(kind: "host.certificate_renewed", hostID: host.id).last).at
            try await fleet.waitForReport(from: "renewer", since: renewedAt)
            let current = try #require(try fleet.host(named: "renewer"))
            #expect(current.id == host.id)
            #expect(current.certFingerprint != firstFingerprint)
            #expect(agent.stderr.contains("certificate renewed"))
            let onDisk = try String(contentsOfFile: fleet.stateDirectory("renewer") + "/agent.crt", encoding: .utf8)
            #expect(onDisk.contains("BEGIN CERTIFICATE"))
            #expect(mode(fleet.stateDirectory("renewer") + "/agent.key") == 0o600)
        }
    }

    @Test func removedHostIsRefused() async throws {
        try await withProcessScope { scope in
            let fleet = Fleet(scope: scope)
            try await fleet.startController()
            let token = try await fleet.createToken(uses: 1)
            let agent = try fleet.startAgent("doomed", address: "127.0.0.2", token: token, pin: fleet.caPin)
            let host = try await fleet.waitForReport(from: "doomed")
            await agent.stop()

            // Removal through the admin command revokes the certificate in the store.
            let remove = try scope.start(
                "remove", Binaries.drover,
                ["controller", "hosts", "remove", "--data-dir", fleet.dataDirectory, host.id])
            #expect(try await remove.waitForExit() == 0)
            #expect(try fleet.withStore { try $0.revokedFingerprints() }.count == 1)

            // The running controller refuses the session with UNAUTHENTICATED; the agent stops for good.
            let refused = try fleet.startAgent("doomed", address: "127.0.0.2", run: 2)
            #expect(try await refused.waitForExit() == 3)
            #expect(refused.stderr.contains("refused this host's certificate"))
            #expect(refused.stderr.contains("removed"))

            // After a restart the revoked certificate is on the TLS deny list: refused in the handshake.
            await fleet.controller?.stop()
            let controller = try await fleet.startController()
            let connectedBefore = try fleet.events(kind: "host.connected", hostID: host.id).count
            let denied = try fleet.startAgent("doomed", address: "127.0.0.2", run: 3)
            try await poll("the controller to deny the handshake") {
                controller.stderr.contains("deny list")
            }
            #expect(try fleet.events(kind: "host.connected", hostID: host.id).count == connectedBefore)
            await denied.stop()
        }
    }
}
