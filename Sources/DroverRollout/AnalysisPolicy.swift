/// The spec's `update.analysis` block: the thresholds canary and blue-green rollouts judge the
/// new version's traffic by (Flagger's metric checks, with Drover's defaults).
///
/// Shares are basis points (1 % = 100) so they stay exact in JSON; the YAML takes percentages
/// like `1%` or `0.5%`.
public struct AnalysisPolicy: Codable, Sendable, Equatable {
    /// `interval`: how often a step is judged (default 30 s).
    public var interval: SpecDuration
    /// `max_error_rate`: errors (5xx and failed connections) per request, at most (default 1 %).
    public var maxErrorRateBP: Int
    /// `max_p95`: the canary's 95th-percentile latency, at most (default 500 ms).
    public var maxP95: SpecDuration
    /// `min_requests`: fewer canary requests in a window is inconclusive, never a pass (default 100).
    public var minRequests: Int
    /// `max_error_rate_increase`: canary error rate minus stable error rate, in percentage
    /// points (optional).
    public var maxErrorRateIncreaseBP: Int?
    /// `max_p95_ratio`: canary p95 / stable p95, at most (optional).
    public var maxP95Ratio: Double?
    /// `max_cpu`: the canary hosts' mean CPU share, at most (optional).
    public var maxCPUBP: Int?
    /// `max_memory`: the canary hosts' mean memory share, at most (optional).
    public var maxMemoryBP: Int?

    /// A policy; every argument has the documented default.
    public init(
        interval: SpecDuration = .seconds(30), maxErrorRateBP: Int = 100,
        maxP95: SpecDuration = SpecDuration(milliseconds: 500),
        minRequests: Int = 100, maxErrorRateIncreaseBP: Int? = nil, maxP95Ratio: Double? = nil, maxCPUBP: Int? = nil,
        maxMemoryBP: Int? = nil
    ) {
        self.interval = interval
        self.maxErrorRateBP = maxErrorRateBP
        self.maxP95 = maxP95
        self.minRequests = minRequests
        self.maxErrorRateIncreaseBP = maxErrorRateIncreaseBP
        self.maxP95Ratio = maxP95Ratio
        self.maxCPUBP = maxCPUBP
        self.maxMemoryBP = maxMemoryBP
    }
}

/// Basis points (1/100 of a percent) parsed from the spec's percentages.
public enum BasisPoints {
    /// `1%`, `0.5%`, `25` → 100, 50, 2500; `nil` when not a number or finer than 0.01 %.
    public static func parse(_ text: String) -> Int? {
        var text = text.trimmingASCIIWhitespace()
        if text.hasSuffix("%") { text = String(text.dropLast()).trimmingASCIIWhitespace() }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }),
            let value = Double(text), value.isFinite, abs(value) < 1e9
        else { return nil }
        let scaled = value * 100
        let rounded = scaled.rounded()
        guard abs(scaled - rounded) < 1e-6 else { return nil }
        return Int(rounded)
    }

    /// `5%`, `0.5%`, `12.34%`.
    public static func text(_ basisPoints: Int) -> String {
        let whole = basisPoints / 100
        let fraction = abs(basisPoints % 100)
        let sign = basisPoints < 0 && whole == 0 ? "-" : ""
        if fraction == 0 { return "\(sign)\(whole)%" }
        let digits = fraction % 10 == 0 ? "\(fraction / 10)" : (fraction < 10 ? "0\(fraction)" : "\(fraction)")
        return "\(sign)\(whole).\(digits)%"
    }
}
