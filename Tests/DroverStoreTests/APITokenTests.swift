import Testing

@testable import DroverStore

@Suite("API tokens")
struct APITokenTests {
    @Test("create returns drv_api_<id>_<secret> once and stores only the hash")
    func create() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createAPIToken(name: "ci-pipeline", role: .operator, now: t0)
        #expect(issued.tokenString.hasPrefix("drv_api_"))
        #expect(issued.tokenString.utf8.count == 8 + 8 + 1 + 32)
        #expect(try APIToken(parsing: issued.tokenString) == issued.token)
        #expect(issued.record.secretHash == SHA256Hasher().hexDigest(issued.token.secret))
        #expect(try store.listAPITokens() == [issued.record])
        #expect(!String(describing: issued).contains(issued.token.secret))
        #expect(String(describing: issued) == "IssuedAPIToken(drv_api_\(issued.token.id)_<redacted>, name: ci-pipeline, role: operator)")
        #expect(storeError { try store.createAPIToken(name: "", role: .viewer, now: t0) } == .invalidArgument("API token name must not be empty"))
    }

    @Test("authenticate returns the role; roles round-trip")
    func roles() throws {
        let store = try SQLiteStateStore.inMemory()
        for role in APIRole.allCases {
            let issued = try store.createAPIToken(name: "t-\(role.rawValue)", role: role, now: t0)
            let record = try store.authenticateAPIToken(issued.tokenString, now: t0 + 1)
            #expect(record.role == role)
            #expect(record.name == "t-\(role.rawValue)")
        }
        // Same created_at: order among them is by random id, so compare as a set.
        #expect(Set(try store.listAPITokens().map(\.role)) == Set(APIRole.allCases))
    }

    @Test("last_used_at is touched at most once a minute")
    func touch() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createAPIToken(name: "ci", role: .admin, now: t0)
        #expect(try store.listAPITokens().first?.lastUsedAt == nil)
        #expect(try store.authenticateAPIToken(issued.tokenString, now: t0 + 1_000).lastUsedAt == t0 + 1_000)
        #expect(try store.authenticateAPIToken(issued.tokenString, now: t0 + 30_000).lastUsedAt == t0 + 1_000)
        #expect(try store.authenticateAPIToken(issued.tokenString, now: t0 + 60_999).lastUsedAt == t0 + 1_000)
        #expect(try store.listAPITokens().first?.lastUsedAt == t0 + 1_000)
        #expect(try store.authenticateAPIToken(issued.tokenString, now: t0 + 61_000).lastUsedAt == t0 + 61_000)
        #expect(try store.listAPITokens().first?.lastUsedAt == t0 + 61_000)
    }

    @Test("unknown, wrong secret, malformed and revoked are refused")
    func refusals() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createAPIToken(name: "ci", role: .viewer, now: t0)
        let wrong = "drv_api_\(issued.token.id)_\(String(repeating: "z", count: 32))"
        #expect(storeError { try store.authenticateAPIToken(wrong, now: t0) } == .unknownAPIToken)
        #expect(storeError { try store.authenticateAPIToken("drv_api_zzzzzzzz_\(issued.token.secret)", now: t0) } == .unknownAPIToken)
        #expect(
            storeError { try store.authenticateAPIToken("Bearer xyz", now: t0) }
                == .malformedToken(reason: "expected API token of the form drv_api_<id>_<secret> (wrong prefix)")
        )
        // A join token is not an API token.
        #expect(storeError { try store.authenticateAPIToken("drv_abcd1234_\(issued.token.secret)", now: t0) } != nil)

        let revoked = try store.revokeAPIToken(id: issued.token.id, now: t0 + 5)
        #expect(revoked.revokedAt == t0 + 5)
        #expect(try store.revokeAPIToken(id: issued.token.id, now: t0 + 6).revokedAt == t0 + 5)
        #expect(storeError { try store.authenticateAPIToken(issued.tokenString, now: t0 + 7) } == .apiTokenRevoked)
        #expect(storeError { try store.revokeAPIToken(id: "nope", now: t0) } == .apiTokenNotFound("nope"))
        #expect(try store.listAPITokens().first?.lastUsedAt == nil)
    }

    @Test("a custom SecretHasher is used for create and authenticate")
    func customHasher() throws {
        struct ReversingHasher: SecretHasher {
            func hexDigest(_ secret: String) -> String { "rev:" + String(secret.reversed()) }
        }
        let store = try SQLiteStateStore.inMemory(hasher: ReversingHasher())
        let issued = try store.createAPIToken(name: "x", role: .viewer, now: t0)
        #expect(issued.record.secretHash == "rev:" + String(issued.token.secret.reversed()))
        #expect(try store.authenticateAPIToken(issued.tokenString, now: t0).id == issued.token.id)
        let join = try store.createJoinToken(ttl: .seconds(5), uses: 1, labels: [:], now: t0)
        #expect(join.record.secretHash.hasPrefix("rev:"))
        #expect(try store.redeemJoinToken(token: join.tokenString, now: t0).uses == 1)
    }
}
