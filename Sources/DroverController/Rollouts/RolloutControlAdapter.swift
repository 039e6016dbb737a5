import DroverAPI
import DroverRollout

/// The API's ``RolloutControl`` over a ``RolloutCoordinator``: the same calls, with the
/// coordinator's refusals mapped to ``RolloutControlError`` (and so to HTTP statuses).
public struct RolloutControlAdapter: RolloutControl {
    /// The coordinator it serves.
    public let coordinator: RolloutCoordinator

    /// An adapter over `coordinator`.
    public init(_ coordinator: RolloutCoordinator) {
        self.coordinator = coordinator
    }

    public func deploy(_ request: DeployRequest) async throws(RolloutControlError) -> RolloutSummary {
        try mapped { try coordinator.deploy(specText: request.spec, fileName: request.file) }
    }

    public func rollouts(service: String?) async throws(RolloutControlError) -> [RolloutSummary] {
        try mapped { try coordinator.rollouts(service: service) }
    }

    public func rollout(id: String) async throws(RolloutControlError) -> RolloutDetail {
        try mapped { try coordinator.rollout(id) }
    }

    public func act(on id: String, action: RolloutOperatorAction) async throws(RolloutControlError) -> RolloutSummary {
        try mapped {
            switch action {
            case .pause: try coordinator.pause(id)
            case .resume: try coordinator.resume(id)
            case .abort: try coordinator.abort(id)
            }
        }
    }

    public func rollback(service: String, to version: String?) async throws(RolloutControlError) -> RolloutSummary {
        try mapped { try coordinator.rollback(service: service, to: version) }
    }

    public func canary(service: String, _ request: CanaryRequest) async throws(RolloutControlError) -> RolloutSummary {
        let command: CanaryCommand
        switch request.resolved() {
        case .success(.setWeight): command = .percent(request.percent ?? 0)
        case .success(.promote): command = .promote
        case .success(.abort): command = .abort
        case .failure(let problem): throw .refused(problem.description)
        }
        return try mapped { try coordinator.canary(service: service, command) }
    }

    public func services() async throws(RolloutControlError) -> [ServiceSummary] {
        try mapped { try coordinator.services() }
    }

    public func history(service: String) async throws(RolloutControlError) -> ServiceHistory {
        try mapped { try coordinator.history(service: service) }
    }

    /// Runs `body`, mapping its error.
    private func mapped<T>(_ body: () throws -> T) throws(RolloutControlError) -> T {
        do {
            return try body()
        } catch {
            throw Self.map(error)
        }
    }

    /// The API error for a coordinator error (anything else is internal).
    static func map(_ error: any Error) -> RolloutControlError {
        guard let error = error as? RolloutCoordinatorError else { return .internal("\(error)") }
        switch error {
        case .invalidSpec(let errors):
            return .invalidSpec(errors.errors.map(\.description))
        case .noMatchingHost, .rollbackBudgetExceeded:
            return .refused(error.description)
        case .rolloutNotFound, .serviceNotFound, .versionNotFound:
            return .notFound(error.description)
        case .rolloutInProgress, .alreadyRunning, .versionConflict, .nothingToRollBack, .commandRejected:
            return .conflict(error.description)
        case .store, .statePartMissing:
            return .internal(error.description)
        }
    }
}
