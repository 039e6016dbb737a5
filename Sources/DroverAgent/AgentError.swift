/// Why the agent stops for good (the command exits non-zero with this message).
public enum AgentError: Error, Sendable, CustomStringConvertible {
    /// The agent has no certificate and no join token to get one.
    case notEnrolled(stateDirectory: String)
    /// Enrollment needs the CA pin.
    case missingCAPin
    /// The controller refused the join token (or the CSR).
    case enrollmentRefused(String)
    /// The controller's certificate chain does not contain the pinned CA.
    case caPinMismatch(String)
    /// The controller refused this host's certificate (revoked, host removed, unknown).
    case unauthenticated(String)
    /// Reading or writing the state directory failed.
    case state(String)
    /// A flag or environment variable is invalid.
    case configuration(String)

    public var description: String {
        switch self {
        case .notEnrolled(let directory):
            return "not enrolled: no certificate in \(directory); pass --token (or DROVER_TOKEN) and --ca-pin to join"
        case .missingCAPin:
            return "enrollment needs the controller's CA pin: pass --ca-pin sha256:… (or DROVER_CA_PIN)"
        case .enrollmentRefused(let message):
            return "the controller refused the enrollment: \(message)"
        case .caPinMismatch(let message):
            return "the controller could not be trusted: \(message); check --ca-pin"
        case .unauthenticated(let message):
            return "the controller refused this host's certificate: \(message)"
        case .state(let message):
            return "agent state: \(message)"
        case .configuration(let message):
            return "invalid configuration: \(message)"
        }
    }

    /// The process exit code: 2 for configuration, 3 for refusals, 4 for state errors.
    public var exitCode: Int32 {
        switch self {
        case .notEnrolled, .missingCAPin, .configuration: return 2
        case .enrollmentRefused, .caPinMismatch, .unauthenticated: return 3
        case .state: return 4
        }
    }
}
