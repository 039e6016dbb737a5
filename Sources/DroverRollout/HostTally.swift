/// Which hosts of a rollout are in which status, kept beside the state so that handling one
/// input costs in proportion to the hosts it touches, not to the fleet (derived, never persisted).
///
/// Why: a 1,000-host rollout feeds the machine thousands of agent answers; scanning (and so
/// copying) every host on each one made the controller's work per answer grow with the fleet.
struct HostTally: Sendable {
    /// Positions by status.
    private(set) var positions: [RolloutHost.Status: Set<Int>] = [:]
    /// Every host before this position has left `pending` (hosts never return to it).
    private(set) var firstMaybePending = 0

    /// The tally of `hosts`.
    init(_ hosts: [RolloutHost]) {
        for position in hosts.indices { positions[hosts[position].status, default: []].insert(position) }
    }

    /// Positions of hosts in `status`.
    func hosts(in status: RolloutHost.Status) -> Set<Int> {
        positions[status] ?? []
    }

    /// How many hosts are in `status`.
    func count(_ status: RolloutHost.Status) -> Int {
        positions[status]?.count ?? 0
    }

    /// Hosts with a forward swap under way (swapping or stabilizing).
    var inFlight: Set<Int> { hosts(in: .swapping).union(hosts(in: .stabilizing)) }

    /// Records a host's move from one status to another.
    mutating func move(_ position: Int, from old: RolloutHost.Status, to new: RolloutHost.Status) {
        guard old != new else { return }
        positions[old]?.remove(position)
        positions[new, default: []].insert(position)
    }

    /// Moves the pending cursor past hosts that are no longer pending.
    mutating func skipStarted(_ hosts: [RolloutHost]) {
        while firstMaybePending < hosts.count, hosts[firstMaybePending].status != .pending { firstMaybePending += 1 }
    }
}
