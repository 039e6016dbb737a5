import DroverAPI
import DroverStore
import Foundation
import Testing

@Suite("API tokens end to end: the drover CLI against a real API server")
struct APITokenCLITests {
    @Test("a viewer token made with `drover api-token create` reads /metrics and hosts, cannot deploy, and expires")
    func viewerToken() async throws {
        let clock = ManualClock(nowMs())
        try await withAPIServer(configure: { $0.clock = { clock.now } }) { api in
            let created = try await api.drover([
                "api-token", "create", "--name", "prometheus", "--role", "viewer", "--ttl", "1h", "-o", "json",
            ])
            #expect(created.status == 0, "\(created.stderr)")
            let token = try JSONDecoder().decode(CreatedAPIToken.self, from: Data(created.stdout.utf8))
            #expect(token.info.expiresAtMs == token.info.createdAtMs + 3_600_000)

            let client = try api.client(token: token.token)
            #expect(try await client.raw(.GET, "/metrics").0 == 200)
            #expect(try await client.raw(.GET, "/v1/hosts").0 == 200)
            let deploy = try await client.raw(
                .POST, "/v1/deploys", body: Array(#"{"spec":"name: web","file":"web.yaml"}"#.utf8))
            #expect(deploy.0 == 403)

            clock.advance(by: 3_600_000)
            let (status, body) = try await client.raw(.GET, "/v1/hosts")
            #expect(status == 401)
            #expect(try JSONDecoder().decode(APIErrorBody.self, from: Data(body)).message == "API token expired")
            #expect(try await client.raw(.GET, "/metrics").0 == 401)

            let list = try await api.drover(["api-token", "list"])
            #expect(list.status == 0, "\(list.stderr)")
            let lines = list.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("NAME") == true && lines.first?.contains("LAST USED") == true)
            let row = try #require(lines.first { $0.hasPrefix("prometheus") })
            #expect(row.contains(token.info.id) && row.contains("viewer") && row.hasSuffix("expired"))
            #expect(!list.stdout.contains(token.token))

            // By name means the active token of that name: the expired one is found by id only.
            #expect(try await api.drover(["api-token", "revoke", "prometheus"]).status == 3)
            let revoked = try await api.drover(["api-token", "revoke", token.info.id])
            #expect(revoked.status == 0, "\(revoked.stderr)")
            #expect(revoked.stdout == "API token prometheus (\(token.info.id)) is revoked\n")

            let audit = try await api.drover(["audit", "--action", "api_token", "--since", "1h", "-o", "json"])
            #expect(audit.status == 0, "\(audit.stderr)")
            let entries = try JSONDecoder().decode(AuditList.self, from: Data(audit.stdout.utf8)).entries
            #expect(entries.map(\.action) == ["api_token.revoke", "api_token.create"])
            #expect(entries.allSatisfy { $0.actorName == "admin" && $0.sourceAddress == "127.0.0.1" })
            let deployAudit = try await api.drover(["audit", "--actor", "prometheus"])
            #expect(deployAudit.status == 0)
            #expect(deployAudit.stdout.contains("deploy.create") && deployAudit.stdout.contains("refused 403"))
            #expect(try await api.drover(["audit"], token: api.viewer).status == 2)
        }
    }

    @Test("create refuses bad roles, names and TTLs before calling the server (exit 1)")
    func badArguments() async throws {
        try await withAPIServer { api in
            for arguments in [
                ["--name", "x", "--role", "root"], ["--name", "two words", "--role", "viewer"],
                ["--name", "x", "--role", "viewer", "--ttl", "30s"], ["--name", "x", "--role", "viewer", "--ttl", "3651d"],
                ["--role", "viewer"],
            ] {
                let result = try await api.drover(["api-token", "create"] + arguments)
                #expect(result.status == 1, "\(arguments): \(result.stderr)")
            }
            #expect(try api.store.listAPITokens().count == 3)
            #expect(try await api.drover(["api-token", "list"], token: api.operatorToken).status == 2)
        }
    }

    @Test("drover controller api-token create, list and revoke work on the data directory")
    func offline() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drover-offline-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func drover(_ arguments: [String]) async throws -> ProcessResult {
            try await runProcess(try droverBinary(), arguments, environment: ["PATH": "/usr/bin:/bin"])
        }
        let created = try await drover([
            "controller", "api-token", "create", "--data-dir", directory, "--name", "rescue", "--role", "admin",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("drv_api_"))
        #expect(created.stderr.contains("does not expire") && created.stderr.contains("shown only once"))

        let list = try await drover(["controller", "api-token", "list", "--data-dir", directory, "-o", "json"])
        #expect(list.status == 0, "\(list.stderr)")
        let tokens = try JSONDecoder().decode(APITokenList.self, from: Data(list.stdout.utf8)).tokens
        #expect(tokens.map(\.name) == ["rescue"] && tokens[0].status == "active")
        do {
            let store = try SQLiteStateStore(path: directory + "/state.db")
            defer { try? store.close() }
            #expect(try store.authenticateAPIToken(secret, now: nowMs()).role == .admin)
            #expect(try store.listAudit(AuditQuery()).map(\.entry.action) == ["api_token.create"])
        }

        // Offline, even the last admin token can go, with a warning naming the way back.
        let revoked = try await drover(["controller", "api-token", "revoke", "--data-dir", directory, "rescue"])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout == "API token rescue (\(tokens[0].id)) is revoked\n")
        #expect(revoked.stderr.contains("no active admin token is left"))
        let again = try await drover(["controller", "api-token", "revoke", "--data-dir", directory, "rescue"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("no API token with id or active name rescue"))
    }
}
