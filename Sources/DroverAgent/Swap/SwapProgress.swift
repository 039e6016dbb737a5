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
