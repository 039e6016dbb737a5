import DroverSession
import DroverWire
import NIOConcurrencyHelpers

/// Forwards agents' command answers to the ``AgentCommandSink`` attached after start-up (the
/// rollout coordinator needs the store and the registry, which the service creates).
///
/// Before a sink is attached, answers are logged and dropped: nothing was sent yet that could
/// need them, and a coordinator re-delivers its commands after a restart anyway (§7.3).
public final class AgentCommandRouter: AgentCommandSink {
    private let sink = NIOLockedValueBox<(any AgentCommandSink)?>(nil)
    private let logger: DroverLogger

    init(logger: DroverLogger) {
        self.logger = logger
    }

    /// Sends every later answer to `sink`.
    public func attach(_ sink: any AgentCommandSink) {
        self.sink.withLockedValue { $0 = sink }
    }

    private var current: (any AgentCommandSink)? {
        let current = sink.withLockedValue { $0 }
        if current == nil { logger.warning("a command answer arrived before the rollout coordinator started; dropped") }
        return current
    }

    public func commandAcknowledged(hostID: String, _ ack: Drover_V1_CommandAck) async {
        await current?.commandAcknowledged(hostID: hostID, ack)
    }

    public func commandProgress(hostID: String, _ progress: Drover_V1_CommandProgress) async {
        await current?.commandProgress(hostID: hostID, progress)
    }

    public func commandResult(hostID: String, _ result: Drover_V1_CommandResult) async {
        await current?.commandResult(hostID: hostID, result)
    }

    public func commandFailed(hostID: String, commandID: String, reason: String) async {
        await current?.commandFailed(hostID: hostID, commandID: commandID, reason: reason)
    }
}
