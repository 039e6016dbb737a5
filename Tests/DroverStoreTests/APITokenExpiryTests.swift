import Testing

@testable import DroverStore

@Suite("API token expiry, names and the last admin")
struct APITokenExpiryTests {
    @Test("an expired token is refused with its expiry; status follows the clock")
    func expiry() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createAPIToken(name: "prometheus", role: .viewer, expiresAt: t0 + 60_000, now: t0)
        #expect(issued.record.expiresAt == t0 + 60_000)
        #expect(try store.authenticateAPIToken(issued.tokenString, now: t0 + 59_999).id == issued.token.id)
        #expect(storeError { try store.authenticateAPIToken(issued.tokenString, now: t0 + 60_000) } == .apiTokenExpired(at: t0 + 60_000))
        let stored = try #require(try store.apiToken(id: issued.token.id))
        #expect(stored.expiresAt == t0 + 60_000)
        #expect(stored.status(now: t0) == .active)
        #expect(stored.status(now: t0 + 60_000) == .expired)
        _ = try store.revokeAPIToken(id: issued.token.id, now: t0 + 70_000)
        #expect(try store.apiToken(id: issued.token.id)?.status(now: t0 + 70_000) == .revoked)
        // Revoked wins over expired in the error too.
        #expect(storeError { try store.authenticateAPIToken(issued.tokenString, now: t0 + 80_000) } == .apiTokenRevoked)
        #expect(storeError { try store.createAPIToken(name: "x", role: .viewer, expiresAt: t0, now: t0) } != nil)
        #expect(try store.createAPIToken(name: "forever", role: .viewer, now: t0).record.expiresAt == nil)
    }

    @Test("names: 1-64 printable characters without spaces, unique among active tokens")
    func names() throws {
        let store = try SQLiteStateStore.inMemory()
        for bad in ["", " ci", "ci pipeline", "-ci", "ci\n", "ci\u{1b}[31m", "é", String(repeating: "a", count: 65), "a=b"] {
            #expect(storeError { try store.createAPIToken(name: bad, role: .viewer, now: t0) } != nil, "\(bad)")
        }
        #expect(APITokenPolicy.problem(withName: String(repeating: "a", count: 64)) == nil)
        #expect(APITokenPolicy.problem(withName: "ci@github.com:deploy_1.x") == nil)

        let first = try store.createAPIToken(name: "ci", role: .operator, now: t0)
        #expect(storeError { try store.createAPIToken(name: "ci", role: .viewer, now: t0) } == .duplicateAPITokenName("ci"))
        _ = try store.revokeAPIToken(id: first.token.id, now: t0 + 1)
        let second = try store.createAPIToken(name: "ci", role: .operator, expiresAt: t0 + 120_000, now: t0 + 2)
        #expect(storeError { try store.createAPIToken(name: "ci", role: .viewer, now: t0 + 119_999) } != nil)
        // Once expired, the name is free again.
        let third = try store.createAPIToken(name: "ci", role: .viewer, now: t0 + 120_000)
        #expect(Set(try store.listAPITokens().map(\.id)) == [first.token.id, second.token.id, third.token.id])
    }

    @Test("TTL bounds: 1 minute to 10 years, no overflow")
    func ttl() throws {
        #expect(try APITokenPolicy.expiry(ttlSeconds: nil, now: t0) == nil)
        #expect(try APITokenPolicy.expiry(ttlSeconds: 60, now: t0) == t0 + 60_000)
        #expect(try APITokenPolicy.expiry(ttlSeconds: 3_650 * 86_400, now: t0) == t0 + 3_650 * 86_400_000)
        for bad: Int64 in [0, 59, -1, 3_650 * 86_400 + 1, .max, .min] {
            #expect(storeError { try APITokenPolicy.expiry(ttlSeconds: bad, now: t0) } != nil, "\(bad)")
        }
        #expect(storeError { try APITokenPolicy.expiry(ttlSeconds: 60, now: .max - 1) } != nil)
    }

    @Test("sparing the last admin: refused while it is the only active admin, allowed offline")
    func lastAdmin() throws {
        let store = try SQLiteStateStore.inMemory()
        let admin = try store.createAPIToken(name: "admin", role: .admin, now: t0)
        let viewer = try store.createAPIToken(name: "viewer", role: .viewer, now: t0)
        let expiring = try store.createAPIToken(name: "temp-admin", role: .admin, expiresAt: t0 + 60_000, now: t0)
        // The other admin expires: at t0 + 60 s `admin` is the last.
        #expect(
            storeError { try store.revokeAPIToken(id: admin.token.id, now: t0 + 60_000, sparingLastAdmin: true) }
                == .lastAdminToken(admin.token.id))
        #expect(try store.apiToken(id: admin.token.id)?.revokedAt == nil)
        #expect(try store.revokeAPIToken(id: viewer.token.id, now: t0, sparingLastAdmin: true).revokedAt == t0)
        // While the other admin is active, either may go.
        #expect(try store.revokeAPIToken(id: expiring.token.id, now: t0 + 1, sparingLastAdmin: true).revokedAt == t0 + 1)
        #expect(storeError { try store.revokeAPIToken(id: admin.token.id, now: t0 + 2, sparingLastAdmin: true) } != nil)
        #expect(try store.revokeAPIToken(id: admin.token.id, now: t0 + 3, sparingLastAdmin: false).revokedAt == t0 + 3)
        // Revoking again keeps the first time, and is not refused.
        #expect(try store.revokeAPIToken(id: admin.token.id, now: t0 + 4, sparingLastAdmin: true).revokedAt == t0 + 3)
    }
}
