import ArgumentParser
import DroverAPI
import DroverStore

/// `drover api-token create --name N --role viewer|operator|admin [--ttl D]`.
struct APITokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API token; its secret is printed once.",
        discussion: CLIExitCodes.help
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var token: APITokenCreateOptions
    @Option(name: .shortAndLong, help: "Output format: text or json.") var output: OutputFormat = .text

    func run() async throws {
        let request = CreateAPITokenRequest(name: token.name, role: token.role.rawValue, ttlSeconds: try token.ttlSeconds())
        try await CLIExitCodes.run { () async throws(APIClientError) in
            let created = try await connection.makeClient().call(
                .POST, "/v1/api-tokens", body: request, as: CreatedAPIToken.self)
            switch output {
            case .text:
                print(created.token)
                CLIExitCodes.printError(APITokenText.createdNote(created.info, nowMs: CLIClock.nowMs()))
            case .json:
                print(JSONOutput.string(created))
            }
        }
    }
}

/// `--name`, `--role`, `--ttl`: shared by the online and the offline create.
struct APITokenCreateOptions: ParsableArguments {
    @Option(help: "Unique name among active tokens: 1-64 letters, digits, . _ - @ :")
    var name: String

    @Option(help: "viewer, operator or admin.")
    var role: APIRole

    @Option(help: "Lifetime, e.g. 90d, 12h, 1h30m (1m to 3650d); default: no expiry.")
    var ttl: String?

    func validate() throws {
        if let problem = APITokenPolicy.problem(withName: name) { throw ValidationError("--name: \(problem)") }
        _ = try ttlSeconds()
    }

    /// The TTL in seconds, range-checked; `nil` for no expiry.
    func ttlSeconds() throws -> Int64? {
        guard let ttl else { return nil }
        guard let seconds = DurationText.seconds(ttl),
            (APITokenPolicy.minTTLSeconds...APITokenPolicy.maxTTLSeconds).contains(seconds)
        else {
            throw ValidationError("--ttl \(ttl) must be a duration from 1m to 3650d, such as 90d or 12h")
        }
        return seconds
    }
}

extension APIRole: ExpressibleByArgument {}
