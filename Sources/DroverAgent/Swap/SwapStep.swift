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
