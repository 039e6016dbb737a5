import DroverWire

/// Where the answers to commands sent to agents go (the rollout coordinator).
///
/// Called from the agent's session task, in the order the frames arrived; implementations
/// should hand the facts over and return quickly.
public protocol AgentCommandSink: Sendable {
    /// The agent answered a command (`ACCEPTED`, `DUPLICATE` with the first result, or `REJECTED`).
    func commandAcknowledged(hostID: String, _ ack: Drover_V1_CommandAck) async
    /// A running command reached a step.
    func commandProgress(hostID: String, _ progress: Drover_V1_CommandProgress) async
    /// A command ended (may arrive again after a reconnect: deduplicate by command id).
    func commandResult(hostID: String, _ result: Drover_V1_CommandResult) async
    /// A command could not be delivered or was answered with an `Error`; it may be re-sent.
    func commandFailed(hostID: String, commandID: String, reason: String) async
}

/// Sends commands to connected agents.
public protocol CommandDispatcher: Sendable {
    /// Queues `command` on `hostID`'s live session; `false` if the host has none.
    func send(_ command: Drover_V1_Command, to hostID: String) -> Bool
}
