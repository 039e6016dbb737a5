/// The executor's answer to ``SwapExecutor/submit(commandID:order:)``.
public enum SubmitOutcome: Sendable, Equatable {
    /// A new command: the swap runs in the executor's ``SwapExecutor/run()`` loop.
    case accepted
    /// The command id was seen before: nothing started again. The result once it has finished.
    case duplicate(result: SwapResult?)
    /// Refused, with the reason; nothing changed.
    case rejected(String)
}
