import Foundation

/// What one wrk run measured.
struct WrkResult: Sendable {
    var requestsPerSecond: Double
    /// Latency percentiles, microseconds.
    var p50: Double
    var p90: Double
    var p99: Double
    /// Socket errors, non-2xx/3xx answers and timeouts.
    var errors: Int

    /// Parses wrk's `--latency` output; `nil` when a figure is missing.
    init?(parsing output: String) {
        var rps: Double?
        var percentiles: [String: Double] = [:]
        var errors = 0
        for raw in output.split(separator: "\n") {
            let fields = raw.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let first = fields.first else { continue }
            if first == "Requests/sec:", fields.count >= 2 { rps = Double(fields[1]) }
            if ["50%", "90%", "99%"].contains(first), fields.count >= 2, let value = Self.microseconds(fields[1]) {
                percentiles[first] = value
            }
            if first == "Non-2xx", let count = fields.last.flatMap({ Int($0) }) { errors += count }
            if first == "Socket", raw.contains("errors:") {
                errors += raw.split(separator: ",").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
                    .reduce(0, +)
            }
        }
        guard let rps, let p50 = percentiles["50%"], let p90 = percentiles["90%"], let p99 = percentiles["99%"] else {
            return nil
        }
        self.init(requestsPerSecond: rps, p50: p50, p90: p90, p99: p99, errors: errors)
    }

    init(requestsPerSecond: Double, p50: Double, p90: Double, p99: Double, errors: Int) {
        self.requestsPerSecond = requestsPerSecond
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.errors = errors
    }

    /// wrk's `123.45us`, `1.20ms`, `2.00s` in microseconds.
    static func microseconds(_ text: String) -> Double? {
        for (unit, factor) in [("us", 1.0), ("ms", 1_000.0), ("s", 1_000_000.0)] where text.hasSuffix(unit) {
            return Double(text.dropLast(unit.count)).map { $0 * factor }
        }
        return nil
    }

    /// The median of each figure over several runs.
    static func median(_ runs: [WrkResult]) -> WrkResult {
        func middle(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        }
        return WrkResult(
            requestsPerSecond: middle(runs.map(\.requestsPerSecond)), p50: middle(runs.map(\.p50)),
            p90: middle(runs.map(\.p90)), p99: middle(runs.map(\.p99)), errors: runs.map(\.errors).reduce(0, +))
    }
}
