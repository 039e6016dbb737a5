import Testing

@testable import DroverStore

@Suite("Join tokens")
struct JoinTokenTests {
    @Test("generate: token shape, hashed secret, expiry and uses")
    func generate() throws {
        let issued = try JoinToken.generate(now: t0, ttl: .seconds(3600), uses: 3, labels: ["zone": "eu-1"])
        let text = issued.tokenString
        #expect(text.hasPrefix("drv_"))
        #expect(text.utf8.count == 4 + 8 + 1 + 32)
        #expect(try JoinToken(parsing: text) == issued.token)
        #expect(issued.record.id == issued.token.id)
        #expect(issued.record.secretHash == SHA256Hasher().hexDigest(issued.token.secret))
        #expect(issued.record.expiresAt == t0 + 3_600_000)
        #expect(issued.record.maxUses == 3)
        #expect(issued.record.uses == 0)
        #expect(issued.record.labels == ["zone": "eu-1"])
        #expect(issued.record.revokedAt == nil)
    }

    @Test("generate rejects a non-positive ttl and zero uses")
    func generateValidation() {
        #expect(storeError { try JoinToken.generate(now: t0, ttl: .zero, uses: 1) } == .invalidArgument("join token ttl must be positive"))
        #expect(
            storeError { try JoinToken.generate(now: t0, ttl: .seconds(1), uses: 0) }
                == .invalidArgument("join token uses must be at least 1 (or unlimited)")
        )
    }

    @Test("descriptions and reflection never show the secret")
    func redaction() throws {
        let issued = try JoinToken.generate(now: t0, ttl: .seconds(60), uses: 1)
        let secret = issued.token.secret
        #expect(issued.token.description == "drv_\(issued.token.id)_<redacted>")
        #expect(!String(describing: issued).contains(secret))
        #expect(!String(reflecting: issued).contains(secret))
        var dumped = ""
        dump(issued, to: &dumped)
        #expect(!dumped.contains(secret))
        #expect(dumped.contains(issued.token.id))
    }

    @Test(
        "malformed token strings are parse errors",
        arguments: [
            "",
            "abc",
            "drv_",
            "drx_abcd1234_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",
            "drv_abcd1234",
            "drv_abcd123_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",
            "drv_ABCD1234_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",
            "drv_abcd1234_ABCDEFGHIJKLMNOPQRSTUVWXYZabcde",
            "drv_abcd1234_ABCDEFGHIJKLMNOPQRSTUVWXYZabcd-f",
            "drv_abcd1234_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef_x",
            "drv_api_abcd1234_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef",
        ]
    )
    func malformed(text: String) {
        let error = storeError { try JoinToken(parsing: text) }
        guard case .malformedToken(let reason)? = error else {
            Issue.record("expected malformedToken, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("expected join token of the form drv_<id>_<secret>"))
        #expect(!reason.contains("ABCDEFGHIJ"))
    }

    @Test("parsing trims pasted whitespace")
    func trimming() throws {
        let token = try JoinToken(parsing: "  drv_abcd1234_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\n")
        #expect(token.id == "abcd1234")
        #expect(token.secret == "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")
    }

    @Test("redeeming counts uses; a 2-use token is refused on the third try")
    func redeemCountsUses() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createJoinToken(ttl: .seconds(600), uses: 2, labels: ["role": "web"], now: t0)
        let first = try store.redeemJoinToken(token: issued.tokenString, now: t0 + 1)
        #expect(first.uses == 1)
        #expect(first.labels == ["role": "web"])
        #expect(try store.redeemJoinToken(token: issued.tokenString, now: t0 + 2).uses == 2)
        #expect(storeError { try store.redeemJoinToken(token: issued.tokenString, now: t0 + 3) } == .tokenUsedUp(uses: 2))
        #expect(try store.joinToken(id: issued.token.id)?.uses == 2)
    }

    @Test("a single-use token reused is used up")
    func singleUse() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createJoinToken(ttl: .seconds(600), uses: 1, labels: [:], now: t0)
        #expect(try store.redeemJoinToken(token: issued.tokenString, now: t0).uses == 1)
        let error = storeError { try store.redeemJoinToken(token: issued.tokenString, now: t0 + 10) }
        #expect(error == .tokenUsedUp(uses: 1))
        #expect(error?.description == "join token refused: already used 1 time, no uses left")
    }

    @Test("an unlimited token keeps redeeming")
    func unlimited() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createJoinToken(ttl: .seconds(600), uses: nil, labels: [:], now: t0)
        for expected in 1...5 {
            #expect(try store.redeemJoinToken(token: issued.tokenString, now: t0).uses == expected)
        }
        #expect(try store.joinToken(id: issued.token.id)?.remainingUses == nil)
    }

    @Test("expired: refused at and after expires_at, accepted just before")
    func expired() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createJoinToken(ttl: .seconds(60), uses: nil, labels: [:], now: t0)
        let expiry = t0 + 60_000
        #expect(try store.redeemJoinToken(token: issued.tokenString, now: expiry - 1).uses == 1)
        #expect(storeError { try store.redeemJoinToken(token: issued.tokenString, now: expiry) } == .tokenExpired(at: expiry))
        #expect(storeError { try store.redeemJoinToken(token: issued.tokenString, now: expiry + 5) } == .tokenExpired(at: expiry))
        #expect(try store.joinToken(id: issued.token.id)?.uses == 1)
    }

    @Test("revoked tokens are refused, revocation is idempotent")
    func revoked() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createJoinToken(ttl: .seconds(600), uses: 5, labels: [:], now: t0)
        #expect(try store.revokeJoinToken(id: issued.token.id, now: t0 + 5).revokedAt == t0 + 5)
        #expect(try store.revokeJoinToken(id: issued.token.id, now: t0 + 9).revokedAt == t0 + 5)
        #expect(storeError { try store.redeemJoinToken(token: issued.tokenString, now: t0 + 10) } == .tokenRevoked)
        #expect(try store.joinToken(id: issued.token.id)?.uses == 0)
        #expect(storeError { try store.revokeJoinToken(id: "zzzzzzzz", now: t0) } == .joinTokenNotFound("zzzzzzzz"))
    }

    @Test("unknown id and wrong secret are both .unknownToken")
    func unknown() throws {
        let store = try SQLiteStateStore.inMemory()
        let issued = try store.createJoinToken(ttl: .seconds(600), uses: 1, labels: [:], now: t0)
        let wrongSecret = "drv_\(issued.token.id)_\(String(repeating: "A", count: 32))"
        #expect(storeError { try store.redeemJoinToken(token: wrongSecret, now: t0) } == .unknownToken)
        let unknownID = "drv_zzzzzzzz_\(issued.token.secret)"
        #expect(storeError { try store.redeemJoinToken(token: unknownID, now: t0) } == .unknownToken)
        #expect(try store.joinToken(id: issued.token.id)?.uses == 0)
        #expect(StoreError.unknownToken.description == "join token refused: unknown token")
    }

    @Test("a malformed string given to redeem is a parse error")
    func redeemMalformed() throws {
        let store = try SQLiteStateStore.inMemory()
        let error = storeError { try store.redeemJoinToken(token: "drv_nope", now: t0) }
        #expect(error == .malformedToken(reason: "expected join token of the form drv_<id>_<secret> (wrong number of parts)"))
    }

    @Test("list shows tokens oldest first, with hashes only")
    func list() throws {
        let store = try SQLiteStateStore.inMemory()
        let a = try store.createJoinToken(ttl: .seconds(60), uses: 1, labels: [:], now: t0)
        let b = try store.createJoinToken(ttl: .seconds(60), uses: nil, labels: ["k": "v"], now: t0 + 1)
        let listed = try store.listJoinTokens()
        #expect(listed == [a.record, b.record])
        #expect(storeError { try store.insertJoinToken(a.record) } == .duplicateJoinToken(a.record.id))
    }

    @Test("the plaintext secret never reaches the database files")
    func secretNotStored() throws {
        try withTempDirectory { directory in
            let path = "\(directory)/state.db"
            let store = try SQLiteStateStore(path: path)
            let join = try store.createJoinToken(ttl: .seconds(600), uses: 2, labels: [:], now: t0)
            _ = try store.redeemJoinToken(token: join.tokenString, now: t0 + 1)
            let api = try store.createAPIToken(name: "ci", role: .operator, now: t0)
            _ = try store.authenticateAPIToken(api.tokenString, now: t0 + 2)
            // Scan while open (data in -wal) and after close (checkpointed into the main file).
            for phase in ["open", "closed"] {
                if phase == "closed" {
                    try store.close()
                }
                let files = try allFileBytes(in: directory)
                #expect(!contains(files, join.token.secret), "join secret found (\(phase))")
                #expect(!contains(files, api.token.secret), "API secret found (\(phase))")
                // The scan works: the ids and hashes are there.
                #expect(contains(files, join.record.secretHash), "join hash missing (\(phase))")
                #expect(contains(files, api.record.secretHash), "API hash missing (\(phase))")
            }
        }
    }

    @Test("concurrent redemption of a 1-use token succeeds exactly once (two connections to one file)")
    func concurrentRedemption() async throws {
        try await withTempDirectory { directory in
            let path = "\(directory)/state.db"
            let first = try SQLiteStateStore(path: path)
            // A second pool on the same file stands in for another process.
            let second = try SQLiteStateStore(path: path)
            let issued = try first.createJoinToken(ttl: .seconds(600), uses: 1, labels: [:], now: t0)
            let token = issued.tokenString
            let outcomes = await withTaskGroup(of: Result<Int, StoreError>.self) { group in
                for index in 0..<12 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask {
                        do throws(StoreError) {
                            return .success(try store.redeemJoinToken(token: token, now: t0 + 1).uses)
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                var all: [Result<Int, StoreError>] = []
                for await outcome in group {
                    all.append(outcome)
                }
                return all
            }
            let successes = outcomes.compactMap { try? $0.get() }
            let failures = outcomes.compactMap { outcome -> StoreError? in
                if case .failure(let error) = outcome { return error }
                return nil
            }
            #expect(successes == [1])
            #expect(failures.count == 11)
            #expect(failures.allSatisfy { $0 == .tokenUsedUp(uses: 1) })
            #expect(try second.joinToken(id: issued.token.id)?.uses == 1)
        }
    }
}
