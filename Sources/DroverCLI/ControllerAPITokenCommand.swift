import ArgumentParser
import DroverAPI
import DroverSession
import DroverStore

/// `drover controller api-token create|list|revoke`: API tokens straight from the local store,
/// for recovery when no admin token is at hand (run it on the controller host, as its user).
struct ControllerAPITokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-token",
        abstract: "Manage API tokens in the local store (recovery: no API, no token needed).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    /// `drover controller api-token create --name N --role R [--ttl D]`.
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create an API token and print it (shown once).")

        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var token: APITokenCreateOptions
        @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text

        func run() throws {
            let now = UnixTime.nowMillis()
            let created = try ControllerAPITokenCommand.withStore(data, creating: true) { store in
                let issued = try store.createAPIToken(
                    name: token.name, role: token.role,
                    expiresAt: try APITokenPolicy.expiry(ttlSeconds: try token.ttlSeconds(), now: now), now: now)
                try store.appendAudit(
                    NewAuditEntry(
                        at: now, actorKind: .system, actorName: "drover controller api-token", action: "api_token.create",
                        target: issued.record.id, outcome: .ok, details: ["role": token.role.rawValue, "offline": "true"]))
                return CreatedAPIToken(token: issued.tokenString, info: APITokenInfo(issued.record, now: now))
            }
            switch output {
            case .text:
                StandardOutput.line(created.token)
                CLIExitCodes.printError(APITokenText.createdNote(created.info, nowMs: now))
            case .json:
                StandardOutput.line(JSONOutput.string(created))
            }
        }
    }

    /// `drover controller api-token list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List API tokens.")

        @OptionGroup var data: DataDirectoryOptions
        @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text

        func run() throws {
            let now = UnixTime.nowMillis()
            let tokens = try ControllerAPITokenCommand.withStore(data) { store in
                try store.listAPITokens().map { APITokenInfo($0, now: now) }
            }
            switch output {
            case .text: StandardOutput.line(APITokenText.table(tokens, nowMs: now))
            case .json: StandardOutput.line(JSONOutput.string(APITokenList(tokens: tokens)))
            }
        }
    }

    /// `drover controller api-token revoke ID|NAME`: the last admin token too, with a warning.
    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Revoke an API token by id or active name (the last admin token too).")

        @OptionGroup var data: DataDirectoryOptions
        @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text
        @Argument(help: "Token id or name.") var token: String

        func run() throws {
            let now = UnixTime.nowMillis()
            let (info, adminsLeft) = try ControllerAPITokenCommand.withStore(data) { store in
                let all = try store.listAPITokens()
                guard let id = APITokenText.resolve(token, in: all.map { APITokenInfo($0, now: now) }) else {
                    throw ValidationError("no API token with id or active name \(token)")
                }
                let revoked = try store.revokeAPIToken(id: id, now: now, sparingLastAdmin: false)
                try store.appendAudit(
                    NewAuditEntry(
                        at: now, actorKind: .system, actorName: "drover controller api-token", action: "api_token.revoke",
                        target: id, outcome: .ok, details: ["offline": "true"]))
                let admins = try store.listAPITokens().filter { $0.role == .admin && $0.status(now: now) == .active }
                return (APITokenInfo(revoked, now: now), admins.count)
            }
            switch output {
            case .text: StandardOutput.line("API token \(info.name) (\(info.id)) is \(info.status)")
            case .json: StandardOutput.line(JSONOutput.string(info))
            }
            if adminsLeft == 0 {
                CLIExitCodes.printError(
                    "warning: no active admin token is left; create one with "
                        + "`drover controller api-token create --name NAME --role admin`")
            }
        }
    }

    /// Opens `<data-dir>/state.db` (it must exist unless `creating`), runs `body`, closes it.
    static func withStore<T>(
        _ data: DataDirectoryOptions, creating: Bool = false, _ body: (SQLiteStateStore) throws -> T
    ) throws -> T {
        do {
            if creating { try PrivateFile.makeDirectory(data.dataDirectory) }
            let store = try SQLiteStateStore(path: data.dataDirectory + "/state.db")
            defer { try? store.close() }
            return try body(store)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
