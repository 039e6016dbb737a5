import DroverProxy

extension HAProxyRouter {
    /// Totals per version since the router started: live servers' counters plus those of the
    /// servers it has deleted (servers an earlier agent left, found at start, bring the counts
    /// they had). When HAProxy cannot be read, the last totals read.
    public func statistics() async -> [String: VersionMetrics] {
        guard let rows = try? await serverRows() else { return lastStatistics }
        var totals = retired
        for row in rows {
            guard let name = HAProxyServerName(row.server) else { continue }
            recordLatency(row, version: name.version)
            totals[name.version, default: VersionMetrics()].add(Self.metrics(row))
        }
        for (version, histogram) in latency {
            totals[version, default: VersionMetrics()].latency = histogram
        }
        lastStatistics = totals
        return totals
    }

    /// Keeps a deleted server's counters (its latency accounted first).
    func retire(_ row: HAProxyStats.ServerRow, version: String) {
        recordLatency(row, version: version)
        retired[version, default: VersionMetrics()].add(Self.metrics(row))
        latencyCounted[row.server] = nil
    }

    /// Records the server's average latency once for each request since the last look.
    func recordLatency(_ row: HAProxyStats.ServerRow, version: String) {
        let counted = latencyCounted[row.server] ?? 0
        let requests = row.requests
        guard requests > counted else { return }
        latencyCounted[row.server] = requests
        latency[version, default: LatencyHistogram()].add(
            Self.histogram(microseconds: row.averageLatencyMicroseconds, count: requests - counted))
    }

    /// `count` values of `microseconds` at once (one bucket; its maximum is the bucket's top).
    static func histogram(microseconds: UInt64, count: UInt64) -> LatencyHistogram {
        var one = LatencyHistogram()
        one.record(microseconds: microseconds)
        guard count > 1, let bucket = one.nonZeroBuckets.first else { return one }
        let (sum, overflow) = microseconds.multipliedReportingOverflow(by: count)
        return LatencyHistogram(buckets: [(bucket.index, count)], sumMicroseconds: overflow ? .max : sum) ?? one
    }

    /// A server's counters as ``VersionMetrics`` (latency apart).
    static func metrics(_ row: HAProxyStats.ServerRow) -> VersionMetrics {
        var metrics = VersionMetrics()
        metrics.requests = row.requests
        metrics.errors = row.errors
        metrics.connectFailures = row.connectionErrors
        metrics.bytesFromClients = row.bytesIn
        metrics.bytesToClients = row.bytesOut
        return metrics
    }
}
