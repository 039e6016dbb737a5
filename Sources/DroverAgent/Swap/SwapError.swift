/// Why the executor refused an order or could not keep its journal.
public enum SwapError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The order cannot be carried out as given.
    case invalidOrder(String)
    /// The order needs an engine this agent does not have.
    case engineUnavailable(SwapOrder.Engine)
    /// Another swap of the same service is running.
    case busy(service: String, commandID: String)
    /// The executor is shutting down, or has not recovered its journal yet.
    case notReady(String)
    /// The journal could not be read or written.
    case journal(String)

    public var description: String {
        switch self {
        case .invalidOrder(let reason):
            "invalid swap order: \(reason)"
        case .engineUnavailable(let engine):
            "this agent has no \(engine.rawValue) engine configured"
        case .busy(let service, let commandID):
            "service \(service) is already being swapped by command \(commandID)"
        case .notReady(let reason):
            "the swap executor is not accepting orders: \(reason)"
        case .journal(let reason):
            "swap journal: \(reason)"
        }
    }
}
