/// Maps Drover weights (basis points, 0…10,000) onto HAProxy server weights (0…256).
///
/// The nonzero weights are divided by their greatest common divisor; when the largest result
/// fits in 256 the ratios are exact (every table in whole percent does: its reduced weights
/// are at most 100). Otherwise the weights are scaled so the largest is 256 and rounded to the
/// nearest integer: each is off by at most half a unit out of a total of at least 256, so a
/// share moves by less than half a percentage point. A nonzero weight never becomes 0 (that
/// would take the backend out of rotation): one below 1/512 of the largest is raised to 1, so
/// e.g. 1 bp beside 9,999 bp gets 1/257 ≈ 0.39 % of the traffic. 0 stays 0.
public enum HAProxyWeights {
    /// HAProxy's largest server weight.
    public static let maximum = 256

    /// The HAProxy weight for each Drover weight, in the same order.
    public static func map(_ weights: [Int]) -> [Int] {
        let divisor = weights.reduce(0) { gcd($0, max($1, 0)) }
        guard divisor > 0 else { return weights.map { _ in 0 } }
        let reduced = weights.map { max($0, 0) / divisor }
        let largest = reduced.max() ?? 0
        if largest <= maximum { return reduced }
        return reduced.map { weight in
            guard weight > 0 else { return 0 }
            // Rounded to the nearest in integers: (2·w·256 + largest) / (2·largest).
            return max(1, (2 * weight * maximum + largest) / (2 * largest))
        }
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
