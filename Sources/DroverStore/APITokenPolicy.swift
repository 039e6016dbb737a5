/// The rules every API token obeys, wherever it is created (API, offline command, bootstrap).
///
/// Names are 1-64 characters of letters, digits and `.` `_` `-` `@` `:`, starting with a
/// letter or digit: no spaces or control characters, so a name is one word in a table, a
/// shell argument (`drover api-token revoke NAME`) and a logfmt log line. An expiry is optional
/// (as for Nomad ACL tokens: Prometheus and CI credentials are long-lived and revoked when no
/// longer needed); when given it lies between 1 minute and 10 years from creation.
public enum APITokenPolicy {
    /// Longest name, in characters.
    public static let maxNameLength = 64
    /// Shortest TTL, seconds (1 minute).
    public static let minTTLSeconds: Int64 = 60
    /// Longest TTL, seconds (3,650 days, about 10 years).
    public static let maxTTLSeconds: Int64 = 3_650 * 86_400

    /// Why `name` is not a valid token name, or `nil` when it is.
    public static func problem(withName name: String) -> String? {
        let scalars = Array(name.unicodeScalars)
        guard !scalars.isEmpty else { return "API token name must not be empty" }
        guard scalars.count <= maxNameLength else {
            return "API token name must be at most \(maxNameLength) characters"
        }
        guard isAlphanumeric(scalars[0]) else { return "API token name must start with a letter or digit" }
        guard scalars.allSatisfy({ isAlphanumeric($0) || ".-_@:".unicodeScalars.contains($0) }) else {
            return "API token name may hold only letters, digits and . _ - @ :"
        }
        return nil
    }

    /// Throws ``StoreError/invalidArgument(_:)`` unless `name` is valid.
    public static func validate(name: String) throws(StoreError) {
        if let problem = problem(withName: name) { throw .invalidArgument(problem) }
    }

    /// The expiry time for a TTL given at `now` (Unix ms), `nil` for no expiry.
    ///
    /// - Throws: ``StoreError/invalidArgument(_:)`` when the TTL is out of bounds.
    public static func expiry(ttlSeconds: Int64?, now: Int64) throws(StoreError) -> Int64? {
        guard let ttlSeconds else { return nil }
        guard (minTTLSeconds...maxTTLSeconds).contains(ttlSeconds) else {
            throw .invalidArgument("API token TTL must be between \(minTTLSeconds) and \(maxTTLSeconds) seconds")
        }
        // The bounds keep the product small; the sum can still overflow on a hostile clock.
        let (expiry, overflow) = now.addingReportingOverflow(ttlSeconds * 1_000)
        guard !overflow else { throw .invalidArgument("API token TTL overflows the clock") }
        return expiry
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
