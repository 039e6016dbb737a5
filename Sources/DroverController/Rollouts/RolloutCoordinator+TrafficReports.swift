import DroverRollout
import DroverSession
import DroverStore
import DroverWire
import Synchronization

/// Host reports become the traffic inputs canary and blue-green rollouts judge by.
extension RolloutCoordinator: HostReportObserver {
    /// Feeds the report's counters for each unfinished canary or blue-green rollout's service
    /// on `hostID` to that rollout (nothing to do, and one uncontended lock, without one).
    public func hostReported(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64) {
        state.withLock { state in
            guard !state.traffic.isEmpty else { return }
            for id in state.traffic.keys.sorted() {
                guard let rollout = state.traffic[id], rollout.host(hostID) != nil,
                    let status = report.services.first(where: { $0.service == rollout.record.service })
                else { continue }
                let sample = Self.sample(status, report: report)
                do {
                    try applyTraffic(.traffic(hostID, sample), to: id, state: &state, now: now())
                } catch {
                    logger.error("rollout input failed", ["rollout.id": id, "host.id": hostID, "error": "\(error)"])
                }
            }
        }
    }

    /// One service's cumulative per-version counters on a host, with the host's CPU and memory use.
    ///
    /// Every figure is the host's word: bucket indexes outside the histogram's layout are
    /// dropped, repeated buckets saturate, CPU is clamped to 100 % and memory to its total.
    package static func sample(_ status: Drover_V1_ServiceStatus, report: Drover_V1_HostReport) -> HostTrafficSample {
        var versions: [String: TrafficCounters] = [:]
        for traffic in status.traffic where !traffic.version.isEmpty {
            var buckets: [Int: UInt64] = [:]
            for (index, count) in zip(traffic.latencyBucketIndex, traffic.latencyBucketCount)
            where count > 0 && index < LatencyBuckets.count {
                buckets[Int(index), default: 0] = buckets[Int(index), default: 0].saturatingAdd(count)
            }
            versions[traffic.version] = TrafficCounters(
                requests: traffic.requests, errors: traffic.errors, latency: buckets,
                latencySumMicroseconds: traffic.latencySumUs)
        }
        let memory = report.memory
        return HostTrafficSample(
            versions: versions, cpuBP: report.hasCpu ? Int(min(report.cpu.usageBp, 10_000)) : nil,
            memoryBP: report.hasMemory && memory.totalBytes > 0
                ? BasisPoints.ratio(memory.usedBytes, of: memory.totalBytes) : nil)
    }
}
