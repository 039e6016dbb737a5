/// What the API asks of the controller's rollout coordinator.
///
/// The controller implements it (`DroverController`); the API maps its answers to JSON and its
/// ``RolloutControlError``s to HTTP statuses. Every call that changes something persists the
/// decision before it is carried out.
public protocol RolloutControl: Sendable {
    /// Validates the spec, plans the rollout over the matching ready hosts and starts it.
    func deploy(_ request: DeployRequest) async throws(RolloutControlError) -> RolloutSummary
    /// Rollouts, newest first; `service` filters.
    func rollouts(service: String?) async throws(RolloutControlError) -> [RolloutSummary]
    /// One rollout in full.
    func rollout(id: String) async throws(RolloutControlError) -> RolloutDetail
    /// `pause`, `resume` or `abort` a running rollout.
    func act(on id: String, action: RolloutOperatorAction) async throws(RolloutControlError) -> RolloutSummary
    /// Rolls `service` back to `version` (`nil`: the previous one): the running rollout's
    /// rollback, or a new rollback rollout when none runs.
    func rollback(service: String, to version: String?) async throws(RolloutControlError) -> RolloutSummary
    /// An operator's canary command on the running canary or blue-green rollout of `service`
    /// (`request` already checked with ``CanaryRequest/resolved()``).
    func canary(service: String, _ request: CanaryRequest) async throws(RolloutControlError) -> RolloutSummary
    /// Every service.
    func services() async throws(RolloutControlError) -> [ServiceSummary]
    /// One service's versions and rollouts.
    func history(service: String) async throws(RolloutControlError) -> ServiceHistory
}

/// An operator's command on a running rollout.
public enum RolloutOperatorAction: String, Sendable, CaseIterable {
    /// Start no new hosts; hosts in flight finish.
    case pause
    /// Continue after a pause.
    case resume
    /// Stop now, leave every host as it is.
    case abort
}

/// Why a ``RolloutControl`` call was refused.
public enum RolloutControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The spec is invalid: every problem, each naming the file and the field (400).
    case invalidSpec([String])
    /// The request cannot be carried out as asked (400), e.g. no host matches, or the
    /// worst-case rollback would exceed 5 minutes (the message says which setting to change).
    case refused(String)
    /// No such rollout, service or version (404).
    case notFound(String)
    /// It conflicts with the current state (409), e.g. another rollout of the service runs, or
    /// the rollout is already over.
    case conflict(String)
    /// The controller failed (500); the message says how.
    case `internal`(String)

    public var description: String {
        switch self {
        case .invalidSpec(let problems): problems.joined(separator: "\n")
        case .refused(let message), .notFound(let message), .conflict(let message), .internal(let message): message
        }
    }
}
