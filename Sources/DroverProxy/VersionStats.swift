import Synchronization

/// Per-version request statistics, sharded per event loop and merged on read.
///
/// Each event loop records into its own shard, so the hot path takes only an uncontended
/// per-shard lock (contended only while a snapshot copies that shard) — no global lock.
public final class VersionStats: Sendable {
    /// One event loop's counters.
    final class Shard: Sendable {
        let metrics = Mutex<[String: VersionMetrics]>([:])

        /// Records one finished request or connection.
        func record(version: String, _ update: (inout VersionMetrics) -> Void) {
            metrics.withLock { update(&$0[version, default: VersionMetrics()]) }
        }
    }

    let shards: [Shard]
    /// The snapshot the last ``delta()`` returned relative to.
    private let lastReported = Mutex<[String: VersionMetrics]>([:])

    /// Statistics with `shardCount` independent shards (one per event loop).
    public init(shardCount: Int = 1) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    /// The totals since the proxy started, per version label.
    public func snapshot() -> [String: VersionMetrics] {
        var merged: [String: VersionMetrics] = [:]
        for shard in shards {
            let copy = shard.metrics.withLock { $0 }
            for (version, metrics) in copy { merged[version, default: VersionMetrics()].add(metrics) }
        }
        return merged
    }

    /// The counts since the previous call (or since start), per version label — for the
    /// periodic report. Versions without new traffic are left out.
    public func delta() -> [String: VersionMetrics] {
        let now = snapshot()
        return lastReported.withLock { last in
            defer { last = now }
            var delta: [String: VersionMetrics] = [:]
            for (version, metrics) in now {
                let change = metrics.subtracting(last[version] ?? VersionMetrics())
                if change.requests > 0 || change.connectFailures > 0 { delta[version] = change }
            }
            return delta
        }
    }
}
