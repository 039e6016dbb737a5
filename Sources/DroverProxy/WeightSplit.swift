/// Spreads a version's share of the traffic over its instances (pure).
///
/// ```swift
/// WeightSplit.spread(2_000, over: 3)   // [667, 667, 666]
/// let table = WeightSplit.table(stable: stableBackends, canary: canaryBackends,
///                               canaryVersion: "v2", canaryWeight: 2_000)
/// ```
public enum WeightSplit {
    /// `total` basis points in `count` near-equal shares summing to `total` exactly: the
    /// remainder goes one point each to the first shares. Empty when `count` ≤ 0.
    public static func spread(_ total: Int, over count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let share = total / count
        let remainder = total % count
        return (0..<count).map { share + ($0 < remainder ? 1 : 0) }
    }

    /// A table where the `canary` backends share `canaryWeight` basis points (clamped to
    /// 0…10,000) and the `stable` backends the rest; the backends' own weights are replaced
    /// and their state kept. All traffic goes to the side that has backends when the other has
    /// none. Active weights sum to 10,000 whenever there is a backend.
    public static func table(
        stable: [Backend],
        canary: [Backend],
        canaryVersion: String,
        canaryWeight: Int,
        stickiness: StickyKeySource? = nil,
        canaryAllowlist: Set<String> = []
    ) -> RoutingTable {
        var weight = min(max(canaryWeight, 0), RoutingTable.fullWeight)
        if canary.isEmpty { weight = 0 }
        if stable.isEmpty, !canary.isEmpty { weight = RoutingTable.fullWeight }
        func weighted(_ backends: [Backend], _ total: Int) -> [Backend] {
            zip(backends, spread(total, over: backends.count)).map { backend, share in
                var backend = backend
                backend.weight = share
                return backend
            }
        }
        return RoutingTable(
            backends: weighted(stable, RoutingTable.fullWeight - weight) + weighted(canary, weight),
            canaryVersion: canary.isEmpty ? nil : canaryVersion, stickiness: stickiness,
            canaryAllowlist: canaryAllowlist)
    }
}
