import DroverProxy
import Testing

/// Stable/canary weight splits over several instances each.
@Suite struct WeightSplitTests {
    private func backends(_ version: String, _ count: Int, port: Int) -> [Backend] {
        (0..<count).map {
            Backend(id: "\(version)-\($0)", version: version, host: "127.0.0.1", port: port + $0, weight: 1)
        }
    }

    @Test(arguments: [(10_000, 3), (2_000, 3), (1, 4), (0, 2), (9_999, 7), (5, 1)])
    func sharesSumExactly(total: Int, count: Int) {
        let shares = WeightSplit.spread(total, over: count)
        #expect(shares.count == count)
        #expect(shares.reduce(0, +) == total)
        #expect((shares.max() ?? 0) - (shares.min() ?? 0) <= 1)
    }

    @Test(arguments: [(0, 3, 2), (2_000, 3, 2), (3_333, 2, 5), (5_000, 1, 1), (10_000, 4, 3)])
    func tablesFollowTheWeight(canaryWeight: Int, stableCount: Int, canaryCount: Int) throws {
        let table = WeightSplit.table(
            stable: backends("v1", stableCount, port: 9000), canary: backends("v2", canaryCount, port: 9100),
            canaryVersion: "v2", canaryWeight: canaryWeight)
        try table.validate()
        #expect(table.canaryVersion == "v2")
        #expect(table.backends.map(\.weight).reduce(0, +) == RoutingTable.fullWeight)
        #expect(table.backends.filter { $0.version == "v2" }.map(\.weight).reduce(0, +) == canaryWeight)
        // Over 10,000 seeded picks the canary's share is within 2 points of its weight.
        let selector = RouteSelector(table: table)
        var random = SplitMix64(seed: UInt64(canaryWeight + 1))
        var canary = 0
        for _ in 0..<10_000 {
            let index = try #require(selector.pick(random: random.next()))
            if table.backends[index].version == "v2" { canary += 1 }
        }
        let share = Double(canary) / 100
        #expect(abs(share - Double(canaryWeight) / 100) <= 2, "canary share \(share) % for \(canaryWeight) bp")
    }

    @Test func oneSidedTablesCarryEverything() {
        let onlyStable = WeightSplit.table(
            stable: backends("v1", 2, port: 9000), canary: [], canaryVersion: "v2", canaryWeight: 4_000)
        #expect(onlyStable.backends.map(\.weight) == [5_000, 5_000])
        #expect(onlyStable.canaryVersion == nil)
        let onlyCanary = WeightSplit.table(
            stable: [], canary: backends("v2", 3, port: 9100), canaryVersion: "v2", canaryWeight: 0)
        #expect(onlyCanary.backends.map(\.weight) == [3_334, 3_333, 3_333])
        let clamped = WeightSplit.table(
            stable: backends("v1", 1, port: 9000), canary: backends("v2", 1, port: 9100), canaryVersion: "v2",
            canaryWeight: 20_000, stickiness: .header(name: "x-user"), canaryAllowlist: ["qa"])
        #expect(clamped.backends.map(\.weight) == [0, 10_000])
        #expect(clamped.stickiness == .header(name: "x-user"))
        #expect(clamped.canaryAllowlist == ["qa"])
    }
}
