import DroverRollout
import DroverStore

/// Why the coordinator refused an operator request; each message says what to do instead.
public enum RolloutCoordinatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The spec does not parse or validate (every problem, each naming the file and field).
    case invalidSpec(SpecErrors)
    /// No ready host matches the spec's `hosts.labels`.
    case noMatchingHost(file: String, message: String)
    /// The worst-case rollback time for this spec on these hosts is over the 5-minute limit.
    case rollbackBudgetExceeded([SpecError])
    /// The service already has a rollout in progress.
    case rolloutInProgress(service: String, rolloutID: String)
    /// The version is already what runs.
    case alreadyRunning(service: String, version: String)
    /// The version label was used before with a different spec.
    case versionConflict(service: String, version: String)
    /// No such rollout.
    case rolloutNotFound(String)
    /// No such service.
    case serviceNotFound(String)
    /// No such version in the service's history.
    case versionNotFound(service: String, version: String)
    /// Nothing to roll back to (no current or previous version).
    case nothingToRollBack(String)
    /// The rollout did not accept the operator command now (its phase says why).
    case commandRejected(command: String, reason: String)
    /// The store failed.
    case store(StoreError)
    /// An unfinished rollout's stored state lacks a part (its plan, progress or a host).
    case statePartMissing(rolloutID: String, part: String)

    /// What kind of refusal this is, for mapping to an API status.
    public enum Category: Sendable, Equatable {
        /// The request is wrong (400/422).
        case invalid
        /// Something it names does not exist (404).
        case notFound
        /// It conflicts with the current state (409).
        case conflict
        /// The controller failed (500).
        case internalError
    }

    /// The refusal's category.
    public var category: Category {
        switch self {
        case .invalidSpec, .noMatchingHost, .rollbackBudgetExceeded: .invalid
        case .rolloutNotFound, .serviceNotFound, .versionNotFound: .notFound
        case .rolloutInProgress, .alreadyRunning, .versionConflict, .nothingToRollBack, .commandRejected: .conflict
        case .store, .statePartMissing: .internalError
        }
    }

    /// One or more lines fit for an operator.
    public var description: String {
        switch self {
        case .invalidSpec(let errors):
            errors.description
        case .noMatchingHost(_, let message):
            message
        case .rollbackBudgetExceeded(let errors):
            errors.map(\.description).joined(separator: "\n")
        case .rolloutInProgress(let service, let id):
            "\(service) already has a rollout in progress (\(id)); wait for it to finish, or pause, abort or roll it back"
        case .alreadyRunning(let service, let version):
            "\(service) already runs \(version); nothing to deploy"
        case .versionConflict(let service, let version):
            "version \(version) of \(service) was deployed before with a different spec; give this spec a new version (the version field or a new image tag)"
        case .rolloutNotFound(let id):
            "no rollout \(id)"
        case .serviceNotFound(let name):
            "no service \(name); deploy it first"
        case .versionNotFound(let service, let version):
            "\(service) was never deployed with version \(version); see drover history \(service)"
        case .nothingToRollBack(let reason):
            reason
        case .commandRejected(let command, let reason):
            "\(command) refused: \(reason)"
        case .store(let error):
            "the controller's store failed: \(error)"
        case .statePartMissing(let rolloutID, let part):
            "rollout \(rolloutID): the stored state has no part \(part)"
        }
    }
}
