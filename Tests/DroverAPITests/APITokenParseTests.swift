import ArgumentParser
import DroverAPI
import DroverController
import DroverStore
import Testing

@testable import DroverCLI

@Suite("api-token, audit and retention flags parse and range-check")
struct APITokenParseTests {
    @Test("api-token create: role, name and TTL")
    func create() throws {
        let command = try #require(
            try DroverCommand.parseAsRoot(["api-token", "create", "--name", "prometheus", "--role", "viewer", "--ttl", "90d"])
                as? APITokenCreateCommand)
        #expect(command.token.role == .viewer && command.token.name == "prometheus")
        #expect(try command.token.ttlSeconds() == 90 * 86_400)
        let forever = try #require(
            try DroverCommand.parseAsRoot(["api-token", "create", "--name", "ci", "--role", "admin"]) as? APITokenCreateCommand)
        #expect(try forever.token.ttlSeconds() == nil)
        for bad in [
            ["--name", "ci", "--role", "root"], ["--name", "c i", "--role", "viewer"], ["--name", "", "--role", "viewer"],
            ["--name", "ci", "--role", "viewer", "--ttl", "59s"], ["--name", "ci", "--role", "viewer", "--ttl", "3651d"],
            ["--name", "ci", "--role", "viewer", "--ttl", "99999999999999999999d"], ["--name", "ci"],
        ] {
            #expect(throws: (any Error).self, "\(bad)") { try DroverCommand.parseAsRoot(["api-token", "create"] + bad) }
        }
        #expect(try DroverCommand.parseAsRoot(["api-token", "revoke", "ci"]) is APITokenRevokeCommand)
        #expect(try DroverCommand.parseAsRoot(["api-token", "list", "-o", "json"]) is APITokenListCommand)
        #expect(
            try DroverCommand.parseAsRoot(["controller", "api-token", "create", "--data-dir", "/tmp/x", "--name", "r", "--role", "admin"])
                is ControllerAPITokenCommand.Create)
    }

    @Test("audit builds a bounded query")
    func audit() throws {
        let command = try #require(
            try DroverCommand.parseAsRoot(["audit", "--since", "1h", "--actor", "ci deploy", "--action", "host"]) as? AuditCommand)
        #expect(try command.path() == "/v1/audit?limit=100&since_seconds=3600&actor=ci%20deploy&action=host")
        for bad in [["--since", "3651d"], ["--since", "soon"], ["--limit", "0"], ["--limit", "1001"]] {
            #expect(throws: (any Error).self, "\(bad)") { try DroverCommand.parseAsRoot(["audit"] + bad) }
        }
    }

    @Test("controller retention flags: defaults, and bounds")
    func retention() throws {
        let defaults = try #require(try DroverCommand.parseAsRoot(["controller", "run"]) as? ControllerRunCommand)
        #expect(try defaults.retentionPolicy() == RetentionPolicy())
        let custom = try #require(
            try DroverCommand.parseAsRoot([
                "controller", "run", "--audit-max-rows", "5000", "--audit-max-age", "365d", "--events-max-rows", "2000",
                "--events-max-age", "7d",
            ]) as? ControllerRunCommand)
        let policy = try custom.retentionPolicy()
        #expect(policy.auditMaxRows == 5_000 && policy.auditMaxAge == .seconds(365 * 86_400))
        #expect(policy.eventsMaxRows == 2_000 && policy.eventsMaxAge == .seconds(7 * 86_400))
        for bad in [["--audit-max-rows", "10"], ["--events-max-rows", "99999999"], ["--audit-max-age", "30m"], ["--events-max-age", "3651d"]] {
            let command = try #require(try DroverCommand.parseAsRoot(["controller", "run"] + bad) as? ControllerRunCommand)
            #expect(throws: (any Error).self, "\(bad)") { try command.retentionPolicy() }
        }
    }

    @Test("token tables and picking a token by id or active name")
    func text() {
        let now: Int64 = 1_800_000_000_000
        let tokens = [
            APITokenInfo(
                id: "aaaaaaaa", name: "ci", role: "operator", status: "revoked", createdAtMs: now - 3 * 86_400_000,
                expiresAtMs: nil, lastUsedAtMs: nil, revokedAtMs: now),
            APITokenInfo(
                id: "bbbbbbbb", name: "ci", role: "operator", status: "active", createdAtMs: now - 90_000,
                expiresAtMs: now + 7_200_000, lastUsedAtMs: now - 30_000, revokedAtMs: nil),
        ]
        #expect(APITokenText.resolve("ci", in: tokens) == "bbbbbbbb")
        #expect(APITokenText.resolve("aaaaaaaa", in: tokens) == "aaaaaaaa")
        #expect(APITokenText.resolve("nope", in: tokens) == nil)
        let lines = APITokenText.table(tokens, nowMs: now).split(separator: "\n")
        #expect(lines[0] == "NAME  ID        ROLE      CREATED  EXPIRES  LAST USED  STATUS")
        #expect(lines[1] == "ci    aaaaaaaa  operator  3d ago   never    never      revoked")
        #expect(lines[2] == "ci    bbbbbbbb  operator  1m ago   in 2h    just now   active")
        #expect(RelativeTime.text(.max, nowMs: .min) == "in a long time")
        #expect(RelativeTime.text(now + 30_000, nowMs: now) == "in <1m")
    }
}
