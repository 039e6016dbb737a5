/// The steps of a swap, in order; the journal records the one under way.
public enum SwapStep: String, Sendable, Hashable, Codable, CaseIterable {
    case accepted
    case pullingImage
    case creating
    case healthChecking
    case shifting
    case draining
    case stoppingOld
    case finished

    /// Rough share of the work done when the step begins, for progress bars.
    public var percent: Int {
        switch self {
        case .accepted: 0
        case .pullingImage: 5
        case .creating: 20
        case .healthChecking: 35
        case .shifting: 70
        case .draining: 80
        case .stoppingOld: 90
        case .finished: 100
        }
    }

    /// Whether traffic may already have moved to the new version (the swap no longer cancels).
    public var isPastShift: Bool {
        switch self {
        case .accepted, .pullingImage, .creating, .healthChecking: false
        case .shifting, .draining, .stoppingOld, .finished: true
        }
    }
}

/// One progress report of a running swap.
public struct SwapProgress: Sendable, Equatable {
    /// The command.
    public var commandID: String
    /// The service.
    public var service: String
    /// The version being deployed.
    public var version: String
    /// The step that began (``SwapStep/finished`` with ``result`` at the end).
    public var step: SwapStep
    /// Rough share of the work done, 0…100.
    public var percent: Int
    /// One line for operators.
    public var message: String
    /// The result, on the final report.
    public var result: SwapResult?

    /// A report.
    public init(
        commandID: String, service: String, version: String, step: SwapStep, percent: Int, message: String,
        result: SwapResult? = nil
    ) {
        self.commandID = commandID
        self.service = service
        self.version = version
        self.step = step
        self.percent = percent
        self.message = message
        self.result = result
    }
}
