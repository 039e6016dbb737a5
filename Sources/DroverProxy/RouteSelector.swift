/// Picks a backend for a request or connection from a ``RoutingTable`` (pure, precomputed).
///
/// Eligible backends are the active ones with weight > 0, canary backends first, then the
/// others in table order; each owns a run of the cumulative weight line. A random pick draws a
/// uniform point on the line; a sticky pick uses the key's bucket (0..<10,000), so a client
/// whose bucket lies below the canary weight is on the canary and stays there while the weight
/// only grows. Draining backends are never picked.
public struct RouteSelector: Sendable {
    /// The table this selector was built from.
    public let table: RoutingTable
    /// Indices into `table.backends` of eligible backends, in line order.
    private let order: [Int]
    /// `cumulative[i]` is the end of `order[i]`'s run on the weight line.
    private let cumulative: [Int]
    /// Indices of active canary backends, whatever their weight (for allowlisted keys).
    private let canary: [Int]

    /// A selector for a table.
    public init(table: RoutingTable) {
        self.table = table
        let eligible = table.backends.indices.filter {
            table.backends[$0].state == .active && table.backends[$0].weight > 0
        }
        let isCanary = { (index: Int) in
            table.canaryVersion != nil && table.backends[index].version == table.canaryVersion
        }
        order = eligible.filter(isCanary) + eligible.filter { !isCanary($0) }
        var running = 0
        cumulative = order.map { index in
            running += table.backends[index].weight
            return running
        }
        // The allowlist reaches the canary even at weight 0: testers go first, before any traffic.
        canary = table.backends.indices.filter { table.backends[$0].state == .active && isCanary($0) }
    }

    /// Sum of the eligible weights; 0 means no backend can be chosen (answer 503).
    public var totalWeight: Int { cumulative.last ?? 0 }

    /// The backend for a uniform random number, or `nil` when none is eligible.
    public func pick(random: UInt64) -> Int? {
        let total = totalWeight
        guard total > 0 else { return nil }
        // Multiply-high maps 64 random bits onto 0..<total without a modulo's bias.
        let point = Int(random.multipliedFullWidth(by: UInt64(total)).high)
        return index(at: point)
    }

    /// The backend for a sticky bucket in 0..<10,000, or `nil` when none is eligible.
    ///
    /// When the eligible weights add up to 10,000 the bucket is the point on the line itself;
    /// otherwise it is scaled onto the line.
    public func pick(bucket: Int) -> Int? {
        let total = totalWeight
        guard total > 0 else { return nil }
        let point = total == RoutingTable.fullWeight ? bucket : bucket * total / RoutingTable.fullWeight
        return index(at: point)
    }

    /// The backend for a sticky key: allowlisted keys go to the canary (when one is eligible),
    /// the rest by their bucket.
    public func pick(stickyKey: String) -> Int? {
        let bucket = StickyHash.bucket(stickyKey)
        if !canary.isEmpty, table.canaryAllowlist.contains(stickyKey) {
            return canary[bucket % canary.count]
        }
        return pick(bucket: bucket)
    }

    /// The backend owning a point of the weight line (binary search; tables are small).
    private func index(at point: Int) -> Int {
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if point < cumulative[middle] { high = middle } else { low = middle + 1 }
        }
        return order[low]
    }
}
