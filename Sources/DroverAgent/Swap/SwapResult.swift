/// How one swap ended, as reported to the controller and kept in the journal.
public struct SwapResult: Sendable, Equatable, Codable {
    /// The end state.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// The new version serves all traffic; the old one is stopped and kept.
        case succeeded
        /// The new version was refused (or could not be started); the old one keeps serving.
        case failed
        /// The new version was not healthy within the order's `healthyDeadline`; the old one keeps serving.
        case timedOut
        /// The swap was cancelled (agent shutdown) before traffic moved; the old one keeps serving.
        case cancelled
    }

    /// The end state.
    public var outcome: SwapResult.Outcome
    /// One line for operators.
    public var message: String
    /// When the swap was accepted, Unix milliseconds.
    public var startedUnixMs: Int64
    /// When it ended, Unix milliseconds.
    public var finishedUnixMs: Int64
    /// Facts for the controller: `version`, `instances` (comma-separated ids), `port`, and on a
    /// failure `observed` and `threshold`.
    public var details: [String: String]

    /// A result.
    public init(
        outcome: SwapResult.Outcome, message: String, startedUnixMs: Int64, finishedUnixMs: Int64,
        details: [String: String] = [:]
    ) {
        self.outcome = outcome
        self.message = message
        self.startedUnixMs = startedUnixMs
        self.finishedUnixMs = finishedUnixMs
        self.details = details
    }

    /// Whether the new version now serves.
    public var succeeded: Bool { outcome == .succeeded }
}
