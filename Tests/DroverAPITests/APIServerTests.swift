import DroverAPI
import DroverInventory
import DroverStore
import DroverTLS
import DroverTestSupport
import Foundation
import Testing

/// Decodes a JSON error body.
func errorBody(_ bytes: [UInt8]) throws -> APIErrorBody {
    try JSONDecoder().decode(APIErrorBody.self, from: Data(bytes))
}

@Suite("API server over loopback TLS")
struct APIServerTests {
    @Test("healthz needs no token")
    func healthz() async throws {
        try await withAPIServer { api in
            let (status, body) = try await api.client(token: nil).raw(.GET, "/healthz")
            #expect(status == 200)
            #expect(String(decoding: body, as: UTF8.self) == "{\"status\":\"ok\"}\n")
        }
    }

    @Test("missing, wrong, malformed and revoked tokens get 401 with a JSON error")
    func unauthorized() async throws {
        try await withAPIServer { api in
            let (status, body) = try await api.client(token: nil).raw(.GET, "/v1/hosts")
            #expect(status == 401)
            #expect(try errorBody(body) == APIErrorBody(error: "unauthorized", message: "missing bearer token"))

            let wrong = "drv_api_" + String(api.admin.dropFirst(8).prefix(8)) + "_" + String(repeating: "x", count: 32)
            for token in [wrong, "drv_api_zzzzzzzz_" + String(repeating: "a", count: 32), "garbage"] {
                let (status, body) = try await api.client(token: token).raw(.GET, "/v1/hosts")
                #expect(status == 401)
                #expect(try errorBody(body).error == "unauthorized")
            }
            let (basicStatus, _) = try await api.client(token: nil).raw(
                .GET, "/v1/hosts", headers: [("Authorization", "Basic YTpi")])
            #expect(basicStatus == 401)

            // The admin token works until it is revoked.
            #expect(try await api.client(token: api.admin).raw(.GET, "/v1/hosts").0 == 200)
            let id = try APIToken(parsing: api.admin).id
            _ = try api.store.revokeAPIToken(id: id, now: nowMs())
            let (revoked, revokedBody) = try await api.client(token: api.admin).raw(.GET, "/v1/hosts")
            #expect(revoked == 401)
            #expect(try errorBody(revokedBody).message == "API token revoked")

            // The client maps 401 to the auth exit code.
            await #expect(throws: APIClientError.auth(status: 401, message: "API token revoked")) {
                _ = try await api.client(token: api.admin).call(.GET, "/v1/hosts", as: HostList.self)
            }
        }
    }

    @Test("roles: viewer cannot drain or remove, operator cannot remove or manage tokens")
    func forbidden() async throws {
        try await withAPIServer { api in
            try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1")
            for (token, path) in [
                (api.viewer, "/v1/hosts/web-1/remove"), (api.viewer, "/v1/hosts/web-1/drain"),
                (api.operatorToken, "/v1/hosts/web-1/remove"),
            ] {
                let (status, body) = try await api.client(token: token).raw(.POST, path)
                #expect(status == 403, "\(path)")
                #expect(try errorBody(body).error == "forbidden")
            }
            #expect(try await api.client(token: api.operatorToken).raw(.GET, "/v1/tokens").0 == 403)
            #expect(try await api.client(token: api.viewer).raw(.POST, "/v1/tokens").0 == 403)
            // Nothing changed.
            #expect(try api.store.host(id: "h-aaaaaaaaaaaa")?.state == .ready)
            #expect(try api.store.revokedFingerprints().isEmpty)
            #expect(api.fleetControl.disconnected.isEmpty)
        }
    }

    @Test("list hosts joins the store with live figures and conditions")
    func listHosts() async throws {
        try await withAPIServer { api in
            try api.enroll(id: "h-bbbbbbbbbbbb", name: "web-2", labels: ["zone": "b"])
            try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1")
            try api.enroll(id: "h-cccccccccccc", name: "db-1", connect: false)
            api.report("h-aaaaaaaaaaaa", cpu: 9_200, count: 3)
            api.report("h-bbbbbbbbbbbb", cpu: 1_000)

            let list = try await api.client(token: api.viewer).call(.GET, "/v1/hosts", as: HostList.self)
            #expect(list.hosts.map(\.name) == ["db-1", "web-1", "web-2"])
            let web1 = list.hosts[1]
            #expect(web1.state == "ready" && web1.connected)
            #expect(web1.cpuPercent == 92)
            #expect(web1.conditions == ["CPUHigh"])
            #expect(web1.memoryUsedBytes == 2 << 30 && web1.memoryTotalBytes == 16 << 30)
            #expect(web1.diskMaxPercent == 70 && web1.diskMaxMountpoint == "/var/lib/containers")
            #expect(web1.load1 == 2.5)
            #expect(list.hosts[2].labels == ["zone": "b"])
            #expect(list.hosts[2].conditions.isEmpty)
            // Never connected since the controller started: lost, no figures.
            #expect(list.hosts[0].state == "lost" && !list.hosts[0].connected && list.hosts[0].cpuPercent == nil)
        }
    }

    @Test("show host by name or id: mounts, labels, history; unknown host is 404")
    func showHost() async throws {
        // The server's clock is pinned to the reports' clock, so the history window is exact.
        let frozen = nowMs()
        try await withAPIServer(configure: { $0.clock = { frozen } }) { api in
            let fingerprint = try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1", labels: ["role": "web"])
            api.report("h-aaaaaaaaaaaa", cpu: 3_000, count: 4, now: frozen)
            let client = try api.client(token: api.viewer)
            let byName = try await client.call(.GET, "/v1/hosts/web-1", as: HostDetail.self)
            let byID = try await client.call(.GET, "/v1/hosts/h-aaaaaaaaaaaa", as: HostDetail.self)
            #expect(byName == byID)
            #expect(byName.host.labels == ["role": "web"])
            #expect(byName.mounts.map(\.mountpoint) == ["/", "/var/lib/containers"])
            #expect(byName.mounts[1].usedBytes == 70 << 30)
            #expect(byName.history.count == 4)
            #expect(byName.history.allSatisfy { $0.cpuPercent == 30 })
            #expect(byName.cpuCores == 8 && byName.uptimeSeconds == 86_400)
            #expect(byName.certFingerprint == fingerprint)
            let short = try await client.call(.GET, "/v1/hosts/web-1?since_seconds=7", as: HostDetail.self)
            #expect(short.history.count == 2)

            let (status, body) = try await client.raw(.GET, "/v1/hosts/nope")
            #expect(status == 404)
            #expect(try errorBody(body) == APIErrorBody(error: "not_found", message: "no host nope"))
            #expect(try await client.raw(.GET, "/v1/hosts/web-1?since_seconds=-1").0 == 400)
        }
    }

    @Test("remove marks the host removed, revokes its certificate and calls FleetControl")
    func removeHost() async throws {
        try await withAPIServer { api in
            let fingerprint = try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1")
            let other = try api.enroll(id: "h-bbbbbbbbbbbb", name: "web-2")
            let result = try await api.client(token: api.admin).call(
                .POST, "/v1/hosts/web-1/remove", as: HostActionResult.self)
            #expect(
                result
                    == HostActionResult(id: "h-aaaaaaaaaaaa", name: "web-1", state: "removed", revokedCertificates: 1))

            #expect(try api.store.host(id: "h-aaaaaaaaaaaa")?.state == .removed)
            #expect(try api.store.revokedFingerprints() == [fingerprint])
            #expect(try api.store.certificate(fingerprint: fingerprint)?.revokedAt != nil)
            #expect(try api.store.certificate(fingerprint: other)?.revokedAt == nil)
            #expect(api.fleetControl.disconnected == ["h-aaaaaaaaaaaa"])
            #expect(api.inventory.snapshot().host(id: "h-aaaaaaaaaaaa")?.state == .removed)
            let events = try api.store.listEvents(EventQuery(hostID: "h-aaaaaaaaaaaa"))
            #expect(events.map(\.kind) == ["host.removed"])
            #expect(events.first?.details["token.id"] == (try APIToken(parsing: api.admin).id))

            // Gone from the list; a second removal by id is a conflict, by name not found.
            let list = try await api.client(token: api.viewer).call(.GET, "/v1/hosts", as: HostList.self)
            #expect(list.hosts.map(\.name) == ["web-2"])
            #expect(try await api.client(token: api.admin).raw(.POST, "/v1/hosts/h-aaaaaaaaaaaa/remove").0 == 409)
            #expect(try await api.client(token: api.admin).raw(.POST, "/v1/hosts/web-1/remove").0 == 404)
            #expect(api.fleetControl.disconnected == ["h-aaaaaaaaaaaa"])
        }
    }

    @Test("drain and undrain change the store and the list")
    func drain() async throws {
        try await withAPIServer { api in
            try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1")
            let client = try api.client(token: api.operatorToken)
            let drained = try await client.call(.POST, "/v1/hosts/web-1/drain", as: HostActionResult.self)
            #expect(drained.state == "drained")
            #expect(try api.store.host(id: "h-aaaaaaaaaaaa")?.state == .drained)
            #expect(try await client.call(.GET, "/v1/hosts", as: HostList.self).hosts.first?.state == "drained")
            let undrained = try await client.call(.POST, "/v1/hosts/h-aaaaaaaaaaaa/undrain", as: HostActionResult.self)
            #expect(undrained.state == "ready")
            #expect(try api.store.host(id: "h-aaaaaaaaaaaa")?.state == .ready)
            #expect(
                try api.store.listEvents(EventQuery(hostID: "h-aaaaaaaaaaaa")).map(\.kind) == [
                    "host.undrained", "host.drained",
                ])
            #expect(api.fleetControl.disconnected.isEmpty)
        }
    }

    @Test("join tokens: create with ttl, uses and labels; list; revoke")
    func tokens() async throws {
        try await withAPIServer { api in
            let client = try api.client(token: api.admin)
            let created = try await client.call(
                .POST, "/v1/tokens",
                body: CreateJoinTokenRequest(ttlSeconds: 3_600, uses: 2, labels: ["zone": "a", "tier": "web"]),
                as: CreatedJoinToken.self)
            #expect(created.token.hasPrefix("drv_" + created.info.id + "_"))
            #expect(created.info.status == "active")
            #expect(created.info.maxUses == 2 && created.info.uses == 0)
            #expect(created.info.labels == ["zone": "a", "tier": "web"])
            #expect(created.info.expiresAtMs - created.info.createdAtMs == 3_600_000)
            // The token really works for enrollment.
            #expect(try api.store.redeemJoinToken(token: created.token, now: nowMs()).uses == 1)

            let defaults = try await client.call(
                .POST, "/v1/tokens", body: CreateJoinTokenRequest(), as: CreatedJoinToken.self)
            #expect(defaults.info.expiresAtMs - defaults.info.createdAtMs == 86_400_000)
            #expect(defaults.info.maxUses == nil)

            let list = try await client.call(.GET, "/v1/tokens", as: JoinTokenList.self)
            #expect(Set(list.tokens.map(\.id)) == [created.info.id, defaults.info.id])
            #expect(list.tokens.first { $0.id == created.info.id }?.uses == 1)
            let listText = String(decoding: try await client.raw(.GET, "/v1/tokens").1, as: UTF8.self)
            #expect(!listText.contains(created.token))

            let revoked = try await client.call(.DELETE, "/v1/tokens/\(created.info.id)", as: JoinTokenInfo.self)
            #expect(revoked.status == "revoked" && revoked.revokedAtMs != nil)
            #expect(throws: StoreError.tokenRevoked) {
                try api.store.redeemJoinToken(token: created.token, now: nowMs())
            }
            #expect(try await client.raw(.DELETE, "/v1/tokens/nosuchid").0 == 404)
        }
    }

    @Test("bad JSON, bad arguments, unknown routes and methods get clear JSON errors")
    func badRequests() async throws {
        try await withAPIServer { api in
            let client = try api.client(token: api.admin)
            let (status, body) = try await client.raw(
                .POST, "/v1/tokens", body: Array("{\"ttl_seconds\": \"soon\"".utf8))
            #expect(status == 400)
            #expect(try errorBody(body).error == "bad_json")
            let (typeStatus, typeBody) = try await client.raw(
                .POST, "/v1/tokens", body: Array("{\"ttl_seconds\": \"soon\"}".utf8))
            #expect(typeStatus == 400)
            #expect(try errorBody(typeBody).message.contains("ttl_seconds"))
            #expect(try await client.raw(.POST, "/v1/tokens", body: Array("{\"ttl_seconds\": 0}".utf8)).0 == 400)
            #expect(try await client.raw(.POST, "/v1/tokens", body: Array("{\"uses\": 0}".utf8)).0 == 400)
            #expect(
                try await client.raw(.POST, "/v1/tokens", body: Array("{\"labels\": {\"bad key\": \"x\"}}".utf8)).0
                    == 400)
            #expect(try api.store.listJoinTokens().isEmpty)

            let (notFound, notFoundBody) = try await client.raw(.GET, "/v2/things")
            #expect(notFound == 404)
            #expect(try errorBody(notFoundBody).error == "not_found")
            let (method, methodBody) = try await client.raw(.DELETE, "/v1/hosts")
            #expect(method == 405)
            #expect(try errorBody(methodBody).error == "method_not_allowed")
        }
    }

    @Test("request bodies over the limit get 413 and change nothing")
    func bodyLimit() async throws {
        try await withAPIServer(configure: { $0.maxBodyBytes = 64 * 1024 }) { api in
            let big =
                Array("{\"labels\":{\"a\":\"".utf8) + Array(repeating: UInt8(ascii: "x"), count: 100_000)
                + Array("\"}}".utf8)
            let (status, body) = try await api.client(token: api.admin).raw(.POST, "/v1/tokens", body: big)
            #expect(status == 413)
            #expect(try errorBody(body).error == "payload_too_large")
            #expect(try api.store.listJoinTokens().isEmpty)
            // The server still serves.
            #expect(try await api.client(token: nil).raw(.GET, "/healthz").0 == 200)
        }
    }

    @Test("install script and agent binary are served from configured paths; 404 when unset")
    func downloads() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drover-dl-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The real installer from deploy/, as the controller will serve it.
        let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/install-agent.sh").path
        let script = try String(contentsOfFile: scriptPath, encoding: .utf8)
        #expect(script.hasPrefix("#!/bin/sh\n"))
        let binary = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(binary).write(to: URL(fileURLWithPath: directory + "/drover-agent"))
        try await withAPIServer(configure: {
            $0.installScriptPath = scriptPath
            $0.agentBinaryPath = directory + "/drover-agent"
        }) { api in
            let client = try api.client(token: nil)
            let (scriptStatus, scriptBody) = try await client.raw(.GET, "/install.sh")
            #expect(scriptStatus == 200)
            #expect(String(decoding: scriptBody, as: UTF8.self) == script)
            let (binaryStatus, binaryBody) = try await client.raw(.GET, "/download/drover-agent")
            #expect(binaryStatus == 200)
            #expect(binaryBody == binary)
            #expect(try await client.raw(.POST, "/install.sh").0 == 405)
        }
        try await withAPIServer(configure: { _ in }) { (api: APIHarness) async throws in
            #expect(try await api.client(token: nil).raw(.GET, "/install.sh").0 == 404)
            #expect(try await api.client(token: nil).raw(.GET, "/download/drover-agent").0 == 404)
        }
    }

    @Test("a client pinning the fleet CA connects; one trusting another CA is refused")
    func clientTrust() async throws {
        try await withAPIServer { api in
            let pinned = try APIClient(
                endpoint: APIEndpoint(parsing: api.address), token: api.viewer,
                trust: .caPin(CAPin(certificate: TestPKI.shared.ca.certificate)))
            #expect(try await pinned.raw(.GET, "/v1/hosts").0 == 200)
            let wrongCA = try APIClient(
                endpoint: APIEndpoint(parsing: api.address), token: api.viewer,
                trust: .caCertificates([TestPKI.shared.otherCA.certificate]))
            await #expect {
                _ = try await wrongCA.raw(.GET, "/v1/hosts")
            } throws: { error in
                (error as? APIClientError)?.exitCode == 4
            }
        }
    }
}

@Suite("API server with standard clients")
struct StandardClientTests {
    @Test("curl speaks to it over TLS with the fleet CA, reusing one keep-alive connection")
    func curl() async throws {
        let curl = try #require(
            ["/usr/bin/curl", "/usr/local/bin/curl"].first(where: FileManager.default.isExecutableFile(atPath:)),
            "curl not installed")
        try await withAPIServer { api in
            try api.enroll(id: "h-aaaaaaaaaaaa", name: "web-1")
            let result = try await runProcess(
                curl,
                [
                    "-sS", "--http1.1", "--cacert", api.caPath, "-H", "Authorization: Bearer \(api.viewer)",
                    "-w", "\\n%{http_code} %{num_connects}\\n",
                    "\(api.address)/v1/hosts", "\(api.address)/healthz",
                ])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 4)
            #expect(try JSONDecoder().decode(HostList.self, from: Data(lines[0].utf8)).hosts.map(\.name) == ["web-1"])
            #expect(lines[1] == "200 1")
            #expect(lines[2] == "{\"status\":\"ok\"}")
            // The second request reused the first connection: no new connect.
            #expect(lines[3] == "200 0")

            let denied = try await runProcess(
                curl,
                ["-s", "--cacert", api.caPath, "-o", "/dev/null", "-w", "%{http_code}", "\(api.address)/v1/hosts"])
            #expect(denied.stdout == "401")
        }
    }

    @Test("idle connections are closed after the idle timeout")
    func idleTimeout() async throws {
        try await withAPIServer(configure: { $0.idleTimeoutSeconds = 1 }) { (api: APIHarness) async throws in
            // A raw TCP client that never sends a byte (not even a ClientHello).
            let started = ContinuousClock.now
            let bash = try #require(
                ["/bin/bash", "/usr/bin/bash"].first(where: FileManager.default.isExecutableFile(atPath:)),
                "bash not installed")
            let result = try await runProcess(
                bash,
                ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(api.port) 2>/dev/null || exit 9; cat <&3 >/dev/null; echo closed"])
            if result.status == 9 {
                Issue.record("bash could not open a raw connection through /dev/tcp")
                return
            }
            #expect(result.stdout == "closed\n")
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }
}

@Suite("Agent install through the API")
struct InstallThroughAPITests {
    @Test("curl fetches /install.sh, which installs the binary from /download/drover-agent over TLS")
    func installFromController() async throws {
        let curl = try #require(
            ["/usr/bin/curl", "/usr/local/bin/curl"].first(where: FileManager.default.isExecutableFile(atPath:)),
            "curl not installed")
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("drover-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work + "/root", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: work + "/root2", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let agent =
            Array("#!/bin/sh\necho agent from the controller\n".utf8)
            + (0..<50_000).map { UInt8(truncatingIfNeeded: $0) }
        try Data(agent).write(to: URL(fileURLWithPath: work + "/drover-agent"))

        try await withAPIServer(configure: {
            $0.installScriptPath = repository.appendingPathComponent("deploy/install-agent.sh").path
            $0.agentBinaryPath = work + "/drover-agent"
        }) { api in
            let fetch = try await runProcess(
                curl, ["-fsS", "--cacert", api.caPath, "-o", work + "/install.sh", "\(api.address)/install.sh"])
            #expect(fetch.status == 0, "\(fetch.stderr)")
            let pin = CAPin(certificate: TestPKI.shared.ca.certificate).description
            let install = try await runProcess(
                "/bin/sh",
                [
                    work + "/install.sh", "--root", work + "/root", "--token", "drv_abcd1234_secret", "--ca-pin", pin,
                    "--controller", "127.0.0.1:7400", "--binary", "\(api.address)/download/drover-agent",
                    "--ca-cert", api.caPath,
                ],
                environment: ["PATH": "/usr/bin:/bin"])
            #expect(install.status == 0, "\(install.stderr)")
            #expect(FileManager.default.contents(atPath: work + "/root/usr/local/bin/drover-agent") == Data(agent))
            let env = try String(contentsOfFile: work + "/root/etc/drover/agent.env", encoding: .utf8)
            #expect(env.contains("DROVER_CA_PIN=\(pin)"))

            // Without the fleet CA, curl refuses the controller's certificate and nothing is installed.
            let untrusted = try await runProcess(
                "/bin/sh",
                [
                    work + "/install.sh", "--root", work + "/root2", "--token", "drv_abcd1234_secret", "--ca-pin", pin,
                    "--controller", "127.0.0.1:7400", "--binary", "\(api.address)/download/drover-agent",
                ],
                environment: ["PATH": "/usr/bin:/bin", "CURL_CA_BUNDLE": "/nonexistent"])
            #expect(untrusted.status == 2, "\(untrusted.stderr)")
            #expect(untrusted.stderr.contains("download of"))
            #expect(!FileManager.default.fileExists(atPath: work + "/root2/usr/local/bin/drover-agent"))
        }
    }
}
