import DroverAPI
import DroverInventory
import DroverStore
import DroverTLS
import DroverTestSupport
import Foundation
import Synchronization
import Testing

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let value: Mutex<Int64>

    init(_ start: Int64) { value = Mutex(start) }

    var now: Int64 { value.withLock { $0 } }

    func advance(by milliseconds: Int64) { value.withLock { $0 += milliseconds } }
}

@Suite("API token and audit routes without sockets")
struct APITokenRouteTests {
    let t0: Int64 = 1_800_000_000_000
    let store: SQLiteStateStore
    let clock: ManualClock
    let router: DroverRouter
    let admin: IssuedAPIToken
    let operatorToken: String
    let viewer: String

    init() throws {
        store = try SQLiteStateStore.inMemory()
        clock = ManualClock(t0)
        var configuration = APIServerConfiguration(tls: TestPKI.shared.serverConfiguration())
        let clock = self.clock
        configuration.clock = { clock.now }
        router = DroverRouter(
            configuration: configuration, store: store, inventory: SharedFleetInventory(),
            fleetControl: UnreachableFleetControl())
        admin = try store.createAPIToken(name: "admin", role: .admin, now: t0)
        operatorToken = try store.createAPIToken(name: "ops", role: .operator, now: t0).tokenString
        viewer = try store.createAPIToken(name: "dash", role: .viewer, now: t0).tokenString
    }

    func call(_ method: String, _ target: String, token: String?, body: String = "", from address: String = "192.0.2.7")
        async -> APIResponse
    {
        await router.respond(
            to: APIRequest(
                method: method, target: target, headers: token.map { ["authorization": "Bearer \($0)"] } ?? [:],
                body: Array(body.utf8), requestID: "req-00000000000000aa", remoteAddress: address))
    }

    @Test("create answers 201 with the secret once; list and revoke never show secrets or hashes")
    func lifecycle() async throws {
        let created = await call(
            "POST", "/v1/api-tokens", token: admin.tokenString,
            body: #"{"name":"prometheus","role":"viewer","ttl_seconds":3600}"#)
        #expect(created.status == 201)
        let answer = try JSONDecoder().decode(CreatedAPIToken.self, from: Data(created.body))
        #expect(answer.token.hasPrefix("drv_api_\(answer.info.id)_"))
        #expect(answer.info.role == "viewer" && answer.info.status == "active")
        #expect(answer.info.expiresAtMs == t0 + 3_600_000)
        #expect(try store.authenticateAPIToken(answer.token, now: t0).name == "prometheus")

        let listed = await call("GET", "/v1/api-tokens", token: admin.tokenString)
        #expect(listed.status == 200)
        let text = String(decoding: listed.body, as: UTF8.self)
        let record = try #require(try store.apiToken(id: answer.info.id))
        #expect(!text.contains(record.secretHash) && !text.contains(answer.token) && !text.contains("secret"))
        let tokens = try JSONDecoder().decode(APITokenList.self, from: Data(listed.body)).tokens
        #expect(Set(tokens.map(\.name)) == ["admin", "ops", "dash", "prometheus"])

        let revoked = await call("DELETE", "/v1/api-tokens/\(answer.info.id)", token: admin.tokenString)
        #expect(revoked.status == 200)
        #expect(try JSONDecoder().decode(APITokenInfo.self, from: Data(revoked.body)).status == "revoked")
        #expect(await call("DELETE", "/v1/api-tokens/nope1234", token: admin.tokenString).status == 404)
        #expect(await call("PUT", "/v1/api-tokens", token: admin.tokenString).status == 405)
        #expect(await call("GET", "/v1/api-tokens/\(answer.info.id)", token: admin.tokenString).status == 405)
    }

    @Test("viewer and operator tokens get 403 on every API token and audit route; no token gets 401")
    func roles() async throws {
        for token in [viewer, operatorToken] {
            #expect(await call("GET", "/v1/api-tokens", token: token).status == 403)
            #expect(await call("POST", "/v1/api-tokens", token: token, body: #"{"name":"x","role":"admin"}"#).status == 403)
            #expect(await call("DELETE", "/v1/api-tokens/\(admin.token.id)", token: token).status == 403)
            #expect(await call("GET", "/v1/audit", token: token).status == 403)
        }
        #expect(await call("GET", "/v1/api-tokens", token: nil).status == 401)
        #expect(try store.listAPITokens().count == 3)
        #expect(try store.apiToken(id: admin.token.id)?.revokedAt == nil)
    }

    @Test("bad bodies are 400 and create nothing; a taken name is 409; the last admin cannot be revoked")
    func refusals() async throws {
        for body in [
            "", "{", #"{"name":"x"}"#, #"{"name":"x","role":"root"}"#, #"{"name":"has space","role":"viewer"}"#,
            #"{"name":"x","role":"viewer","ttl_seconds":59}"#, #"{"name":"x","role":"viewer","ttl_seconds":-1}"#,
            #"{"name":"x","role":"viewer","ttl_seconds":9223372036854775807}"#,
            #"{"name":"x","role":"viewer","ttl_seconds":1e300}"#,
        ] {
            let response = await call("POST", "/v1/api-tokens", token: admin.tokenString, body: body)
            #expect(response.status == 400, "\(body): \(String(decoding: response.body, as: UTF8.self))")
        }
        #expect(try store.listAPITokens().count == 3)
        let taken = await call("POST", "/v1/api-tokens", token: admin.tokenString, body: #"{"name":"ops","role":"viewer"}"#)
        #expect(taken.status == 409)

        let last = await call("DELETE", "/v1/api-tokens/\(admin.token.id)", token: admin.tokenString)
        #expect(last.status == 409)
        #expect(String(decoding: last.body, as: UTF8.self).contains("last active admin token"))
        #expect(try store.apiToken(id: admin.token.id)?.revokedAt == nil)
    }

    @Test("an expired token gets 401 \"API token expired\" by the injected clock")
    func expired() async throws {
        let short = try store.createAPIToken(name: "short", role: .admin, expiresAt: t0 + 60_000, now: t0)
        #expect(await call("GET", "/v1/api-tokens", token: short.tokenString).status == 200)
        clock.advance(by: 60_000)
        let refused = await call("GET", "/v1/api-tokens", token: short.tokenString)
        #expect(refused.status == 401)
        #expect(try JSONDecoder().decode(APIErrorBody.self, from: Data(refused.body)).message == "API token expired")
    }

    @Test("every mutating call is audited: allowed and refused, with actor, source, target and request id")
    func audit() async throws {
        _ = await call("POST", "/v1/api-tokens", token: admin.tokenString, body: #"{"name":"ci","role":"operator"}"#)
        _ = await call("POST", "/v1/hosts/web-1/drain", token: viewer)
        _ = await call("POST", "/v1/hosts/web-1/drain", token: operatorToken)
        _ = await call("POST", "/v1/deploys", token: viewer, body: "{}")
        _ = await call("POST", "/v1/services/web/canary", token: operatorToken, body: "{}")
        _ = await call("POST", "/v1/rollouts/r-1/pause", token: operatorToken)
        _ = await call("POST", "/v1/tokens", token: admin.tokenString)
        _ = await call("DELETE", "/v1/tokens/abcd1234", token: admin.tokenString)
        _ = await call("DELETE", "/v1/api-tokens/\(admin.token.id)", token: admin.tokenString)
        // Reads are not audited.
        _ = await call("GET", "/v1/api-tokens", token: admin.tokenString)
        let entries = try store.listAudit(AuditQuery()).map(\.entry).reversed()
        #expect(
            entries.map { "\($0.action) \($0.actorName ?? "-") \($0.outcome.rawValue) \($0.status ?? 0)" } == [
                "api_token.create admin ok 201", "host.drain dash refused 403", "host.drain ops refused 404",
                "deploy.create dash refused 403", "canary.set ops failed 503", "rollout.pause ops failed 503",
                "join_token.create admin ok 201", "join_token.revoke admin refused 404",
                "api_token.revoke admin refused 409",
            ])
        #expect(entries.allSatisfy { $0.requestID == "req-00000000000000aa" && $0.sourceAddress == "192.0.2.7" })
        let created = try #require(entries.first)
        #expect(created.target == (try store.listAPITokens().first { $0.name == "ci" }?.id))
        #expect(created.actorKind == .token && created.actorID == admin.token.id)
        #expect(Array(entries)[1].target == "web-1" && Array(entries)[1].reason?.contains("needs operator") == true)

        let listed = await call("GET", "/v1/audit?action=host&actor=ops&since_seconds=60&limit=10", token: admin.tokenString)
        #expect(listed.status == 200)
        let list = try JSONDecoder().decode(AuditList.self, from: Data(listed.body))
        #expect(list.entries.map(\.action) == ["host.drain"])
        #expect(list.entries[0].status == 404 && list.entries[0].outcome == "refused")
    }

    @Test("GET /v1/audit checks its parameters")
    func auditParameters() async throws {
        for query in [
            "limit=0", "limit=1001", "limit=x", "since_seconds=0", "since_seconds=-5",
            "since_seconds=9999999999999999", "since_seconds=315360001", "actor=", "action=",
            "action=" + String(repeating: "a", count: 129),
        ] {
            let response = await call("GET", "/v1/audit?\(query)", token: admin.tokenString)
            #expect(response.status == 400, "\(query)")
        }
        #expect(await call("GET", "/v1/audit?since_seconds=315360000&limit=1000", token: admin.tokenString).status == 200)
        #expect(await call("POST", "/v1/audit", token: admin.tokenString).status == 405)
    }

    @Test("unauthenticated mutating calls are aggregated per source: a flood makes one row")
    func unauthenticatedFlood() async throws {
        for _ in 0..<200 {
            _ = await call("POST", "/v1/hosts/web-1/remove", token: "drv_api_aaaaaaaa_" + String(repeating: "b", count: 32))
        }
        _ = await call("POST", "/v1/hosts/web-1/remove", token: nil, from: "192.0.2.8")
        let rows = try store.listAudit(AuditQuery()).map(\.entry)
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.actorKind == .anonymous && $0.status == 401 && $0.action == "host.remove" })
        #expect(Set(rows.compactMap(\.sourceAddress)) == ["192.0.2.7", "192.0.2.8"])
    }
}
