/// The fuzz targets one `drover-fuzz` binary hosts, each with its replay directory
/// `Tests/Fuzz/<name>/` and a property every input must satisfy (a trap or a broken
/// property is a finding).
enum FuzzTarget: String, CaseIterable, Sendable {
    /// The frame decoder and the message codec behind it (`FrameFuzzer`).
    case frames
    /// The proxy's HTTP/1 request and response head parser.
    case http1Head = "http1-head"
    /// The proxy's chunked scanner and body cursor.
    case http1Chunked = "http1-chunked"
    /// API request parsing and routing over an in-memory store, with tokens of every role.
    case apiRequest = "api-request"
    /// The service spec parser and validator on arbitrary YAML.
    case serviceSpec = "service-spec"
    /// The controller's handling of a host report: inventory and traffic counters.
    case hostReport = "host-report"
    /// The agent's command payload decoding and validation (nothing executed).
    case agentCommand = "agent-command"

    /// Runs one input through the target's property.
    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .frames: FrameFuzzer.run(bytes)
        case .http1Head: HTTP1HeadFuzzer.run(bytes)
        case .http1Chunked: HTTP1ChunkedFuzzer.run(bytes)
        case .apiRequest: APIRequestFuzzer.run(bytes)
        case .serviceSpec: ServiceSpecFuzzer.run(bytes)
        case .hostReport: HostReportFuzzer.run(bytes)
        case .agentCommand: AgentCommandFuzzer.run(bytes)
        }
    }

    /// Every target's name, for usage text.
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
