import ArgumentParser
import DroverSession
import DroverStore

/// `drover controller hosts`: enrolled hosts from the local store; `remove` revokes one.
struct ControllerHostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "List enrolled hosts from the local store.",
        subcommands: [List.self, Remove.self],
        defaultSubcommand: List.self
    )

    /// Lists hosts as a table or JSON lines.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List hosts.")

        @OptionGroup var data: DataDirectoryOptions

        @Option(help: "Output format.")
        var format: OutputFormat = .text

        @Flag(help: "Include removed hosts.")
        var all = false

        func run() throws {
            let hosts: [HostRecord]
            do {
                let store = try SQLiteStateStore(path: data.dataDirectory + "/state.db")
                hosts = try store.listHosts(includeRemoved: all)
                try store.close()
            } catch {
                throw ValidationError("cannot read the store: \(error)")
            }
            switch format {
            case .json:
                for host in hosts {
                    StandardOutput.line(
                        "{\"id\":\(jsonString(host.id)),\"name\":\(jsonString(host.name)),"
                            + "\"state\":\(jsonString(host.state.rawValue)),\"address\":\(jsonString(host.address)),"
                            + "\"agent_version\":\(jsonString(host.agentVersion)),"
                            + "\"enrolled_at\":\(host.enrolledAt),\"last_seen_at\":\(host.lastSeenAt)}")
                }
            case .text:
                StandardOutput.line("ID\tNAME\tSTATE\tADDRESS\tLAST SEEN (unix ms)")
                for host in hosts {
                    StandardOutput.line("\(host.id)\t\(host.name)\t\(host.state.rawValue)\t\(host.address)\t\(host.lastSeenAt)")
                }
            }
        }
    }

    /// Removes a host: its certificates are revoked and it can no longer connect.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a host and revoke its certificates.",
            discussion: "A running controller refuses the host's next session; after a restart it is refused during the TLS handshake."
        )

        @OptionGroup var data: DataDirectoryOptions

        @Argument(help: "Host id or name.")
        var host: String

        func run() throws {
            do {
                let store = try SQLiteStateStore(path: data.dataDirectory + "/state.db")
                guard let record = try store.host(id: host) ?? store.host(named: host) else {
                    throw ValidationError("no host \(host)")
                }
                let now = UnixTime.nowMillis()
                _ = try store.updateHostState(id: record.id, to: .removed, now: now)
                _ = try store.appendEvent(NewEvent(
                    at: now, kind: "host.removed", hostID: record.id, message: "host \(record.name) removed by an operator"))
                try store.appendAudit(NewAuditEntry(
                    at: now, actorKind: .system, actorName: "drover controller hosts", action: "host.remove",
                    target: record.id, outcome: .ok, details: ["host.name": record.name, "offline": "true"]))
                try store.close()
                StandardOutput.line("removed \(record.id) (\(record.name))")
            } catch let error as ValidationError {
                throw error
            } catch {
                throw ValidationError("cannot remove the host: \(error)")
            }
        }
    }
}
