import DroverProxy
import Testing

/// The pure selector: weight shares with a seeded generator, draining, stickiness, allowlist.
@Suite struct RouteSelectorTests {
    private func table(stable: Int, canary: Int, stickiness: StickyKeySource? = nil, allowlist: Set<String> = []) -> RoutingTable {
        RoutingTable(
            backends: [
                Backend(id: "s1", version: "stable", host: "127.0.0.1", port: 9001, weight: stable),
                Backend(id: "c1", version: "canary", host: "127.0.0.1", port: 9002, weight: canary),
            ],
            canaryVersion: "canary", stickiness: stickiness, canaryAllowlist: allowlist)
    }

    /// Share of `picks` random choices that went to the canary, in percent.
    private func canaryShare(_ selector: RouteSelector, picks: Int = 5_000, seed: UInt64 = 42) throws -> Double {
        var random = SplitMix64(seed: seed)
        var canary = 0
        for _ in 0..<picks {
            let index = try #require(selector.pick(random: random.next()))
            if selector.table.backends[index].version == "canary" { canary += 1 }
        }
        return Double(canary) * 100 / Double(picks)
    }

    @Test(arguments: [(0, 10_000), (5_000, 5_000), (1_000, 9_000), (9_000, 1_000), (10_000, 0)])
    func randomPicksFollowTheWeights(canary: Int, stable: Int) throws {
        let share = try canaryShare(RouteSelector(table: table(stable: stable, canary: canary)))
        #expect(abs(share - Double(canary) / 100) <= 2, "canary share \(share) % for weight \(canary)")
    }

    @Test func basisPointGranularity() throws {
        // 0.25 % canary: 1,000,000 seeded picks land within 0.02 points of it.
        let selector = RouteSelector(table: table(stable: 9_975, canary: 25))
        let share = try canaryShare(selector, picks: 1_000_000, seed: 7)
        #expect(abs(share - 0.25) < 0.02, "share \(share)")
        // Every bucket maps exactly: buckets 0..<25 are the canary's.
        #expect(selector.table.backends[try #require(selector.pick(bucket: 24))].version == "canary")
        #expect(selector.table.backends[try #require(selector.pick(bucket: 25))].version == "stable")
    }

    @Test func drainingAndZeroWeightBackendsAreNeverPicked() throws {
        var drained = table(stable: 5_000, canary: 5_000)
        drained = drained.draining("s1")
        let selector = RouteSelector(table: drained)
        var random = SplitMix64(seed: 1)
        for _ in 0..<1_000 {
            #expect(selector.pick(random: random.next()) == 1)
        }
        #expect(RouteSelector(table: table(stable: 0, canary: 0)).pick(random: 5) == nil)
        #expect(RouteSelector(table: RoutingTable()).pick(stickyKey: "x") == nil)
        #expect(RouteSelector(table: table(stable: 10_000, canary: 0).draining("s1")).pick(bucket: 3) == nil)
    }

    @Test func stickyClientsKeepTheirVersionWhileTheCanaryGrows() throws {
        let keys = (0..<2_000).map { "client-\($0)" }
        let at10 = RouteSelector(table: table(stable: 9_000, canary: 1_000, stickiness: .cookie(name: "v")))
        let at30 = RouteSelector(table: table(stable: 7_000, canary: 3_000, stickiness: .cookie(name: "v")))
        var canaryAt10 = 0
        var canaryAt30 = 0
        for key in keys {
            let first = try #require(at10.pick(stickyKey: key))
            #expect(at10.pick(stickyKey: key) == first)  // same answer every time
            let later = try #require(at30.pick(stickyKey: key))
            if first == 1 {
                canaryAt10 += 1
                #expect(later == 1, "\(key) left the canary when its weight grew")
            }
            if later == 1 { canaryAt30 += 1 }
        }
        #expect(abs(Double(canaryAt10) / 20 - 10) <= 2)
        #expect(abs(Double(canaryAt30) / 20 - 30) <= 3)
    }

    @Test func allowlistedKeysAlwaysGoToTheCanary() throws {
        let selector = RouteSelector(table: table(stable: 10_000, canary: 0, stickiness: .header(name: "x-user"), allowlist: ["alice", "bob"]))
        #expect(selector.pick(stickyKey: "alice") == 1)
        #expect(selector.pick(stickyKey: "bob") == 1)
        #expect(selector.pick(stickyKey: "carol") == 0)
        // A draining canary is not a target even for the allowlist.
        let draining = RouteSelector(table: selector.table.draining("c1"))
        #expect(draining.pick(stickyKey: "alice") == 0)
    }

    @Test func stickyBucketsAreStableAndSpread() {
        #expect(StickyHash.bucket("user-1") == StickyHash.bucket("user-1"))
        var counts = [Int](repeating: 0, count: 10)
        for index in 0..<10_000 { counts[StickyHash.bucket("k\(index)") / 1_000] += 1 }
        for count in counts { #expect((850...1_150).contains(count), "deciles \(counts)") }
    }

    @Test func tableValidation() {
        var bad = table(stable: 10_001, canary: 0)
        #expect(throws: ProxyError.self) { try bad.validate() }
        bad = table(stable: 1, canary: 1)
        bad.backends[1].id = "s1"
        #expect(throws: ProxyError.invalidTable("duplicate backend id s1")) { try bad.validate() }
        #expect(throws: Never.self) { try table(stable: 10_000, canary: 0).validate() }
        // The proxy writes the cookie's name into responses: only an HTTP token will do.
        var sticky = table(stable: 10_000, canary: 0)
        sticky.stickiness = .cookie(name: "drover\r\nx-evil: 1")
        #expect(throws: ProxyError.self) { try sticky.validate() }
        sticky.stickiness = .header(name: "x user")
        #expect(throws: ProxyError.self) { try sticky.validate() }
        sticky.stickiness = .cookie(name: "drover_canary")
        #expect(throws: Never.self) { try sticky.validate() }
    }
}
