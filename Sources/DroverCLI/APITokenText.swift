import DroverAPI

/// How API tokens are shown and picked on the command line (online and offline alike).
enum APITokenText {
    /// NAME, ID, ROLE, CREATED, EXPIRES, LAST USED, STATUS.
    static func table(_ tokens: [APITokenInfo], nowMs: Int64) -> String {
        TextTable.render(
            header: ["NAME", "ID", "ROLE", "CREATED", "EXPIRES", "LAST USED", "STATUS"],
            rows: tokens.map { token in
                [
                    token.name, token.id, token.role, RelativeTime.text(token.createdAtMs, nowMs: nowMs),
                    token.expiresAtMs.map { RelativeTime.text($0, nowMs: nowMs) } ?? "never",
                    token.lastUsedAtMs.map { RelativeTime.text($0, nowMs: nowMs) } ?? "never", token.status,
                ]
            })
    }

    /// The id `text` names: a token id, else the one active token of that name.
    static func resolve(_ text: String, in tokens: [APITokenInfo]) -> String? {
        if let byID = tokens.first(where: { $0.id == text }) { return byID.id }
        let named = tokens.filter { $0.name == text && $0.status == "active" }
        return named.count == 1 ? named[0].id : nil
    }

    /// The line on stderr after a create: what was made, and that the secret is not shown again.
    static func createdNote(_ info: APITokenInfo, nowMs: Int64) -> String {
        let expiry = info.expiresAtMs.map { "expires \(RelativeTime.text($0, nowMs: nowMs))" } ?? "does not expire"
        return "API token \(info.name) (\(info.id)), role \(info.role), \(expiry); the secret is shown only once"
    }
}

/// `5m ago`, `in 3d`, `just now`: coarse relative times for tables.
enum RelativeTime {
    static func text(_ atMs: Int64, nowMs: Int64) -> String {
        let (difference, overflow) = atMs.subtractingReportingOverflow(nowMs)
        guard !overflow else { return atMs > nowMs ? "in a long time" : "long ago" }
        let seconds = difference / 1_000
        let magnitude = seconds.magnitude
        let amount: String
        switch magnitude {
        case 0..<60: return seconds > 0 ? "in <1m" : "just now"
        case 60..<3_600: amount = "\(magnitude / 60)m"
        case 3_600..<86_400: amount = "\(magnitude / 3_600)h"
        default: amount = "\(magnitude / 86_400)d"
        }
        return seconds > 0 ? "in \(amount)" : "\(amount) ago"
    }
}
