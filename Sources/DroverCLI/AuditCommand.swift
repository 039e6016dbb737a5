import ArgumentParser
import DroverAPI

/// `drover audit [--since 1h] [--actor N] [--action A] [--limit N] [-o json]` (admin role).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: who did what, from where, and how it ended (admin role).",
        discussion: """
            --action host matches every host.* action; --actor matches a token's name or id. \
            \(CLIExitCodes.help)
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text

    @Option(help: "Only entries this recent, e.g. 1h, 7d (at most 3650d).")
    var since: String?

    @Option(help: "Only this actor (token name or id, host id).")
    var actor: String?

    @Option(help: "Only this action, or every action under it (host, host.drain).")
    var action: String?

    @Option(help: "At most this many entries, newest first (1-1000).")
    var limit: Int = 100

    func validate() throws {
        _ = try sinceSeconds()
        guard (1...1_000).contains(limit) else { throw ValidationError("--limit must be 1...1000") }
    }

    func sinceSeconds() throws -> Int64? {
        guard let since else { return nil }
        guard let seconds = DurationText.seconds(since), seconds <= 3_650 * 86_400 else {
            throw ValidationError("--since \(since) must be a duration up to 3650d, such as 1h or 7d")
        }
        return seconds
    }

    /// `/v1/audit?…` for these options.
    func path() throws -> String {
        var query = ["limit=\(limit)"]
        if let seconds = try sinceSeconds() { query.append("since_seconds=\(seconds)") }
        if let actor { query.append("actor=" + APIPath.segment(actor)) }
        if let action { query.append("action=" + APIPath.segment(action)) }
        return "/v1/audit?" + query.joined(separator: "&")
    }

    func run() async throws {
        let path = try path()
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let list = try await connection.makeClient().call(.GET, path, as: AuditList.self)
            switch output {
            case .text: print(Self.table(list.entries, nowMs: CLIClock.nowMs()))
            case .json: print(JSONOutput.string(list))
            }
        }
    }

    static func table(_ entries: [AuditEntryInfo], nowMs: Int64) -> String {
        TextTable.render(
            header: ["WHEN", "ACTOR", "SOURCE", "ACTION", "TARGET", "OUTCOME", "REQUEST"],
            rows: entries.map { entry in
                let actor = entry.actorName ?? entry.actorID ?? entry.actorKind
                let outcome =
                    [entry.outcome, entry.status.map(String.init), entry.count > 1 ? "×\(entry.count)" : nil]
                    .compactMap { $0 }.joined(separator: " ")
                return [
                    RelativeTime.text(entry.atMs, nowMs: nowMs), actor, entry.sourceAddress ?? "-", entry.action,
                    entry.target ?? "-", outcome, entry.requestID ?? "-",
                ]
            })
    }
}
