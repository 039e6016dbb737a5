/// Something that happens to a rollout: operator commands, agent reports about one host, timers.
public enum RolloutInput: Codable, Sendable, Equatable {
    /// Begin: send the first hosts their swap commands.
    case start
    /// An agent report or a liveness change for one host.
    case host(String, HostEvent)
    /// Time passed: check `min_healthy_time` and the deadlines.
    case tick
    /// Operator: start no new hosts; those in flight finish.
    case pause
    /// Operator: continue after ``pause``.
    case resume
    /// Operator: stop now and leave every host as it is (use ``rollback(to:)`` to undo).
    case abort
    /// Operator: swap every host that differs back to `version` in parallel (`nil`: the previous one).
    case rollback(to: String?)
    /// Operator (canary, blue-green): skip the remaining steps and promote now; blue-green
    /// before the switch: switch now. Rolling rollouts refuse it.
    case promote
    /// Operator (canary): set the canary's share on every canary host now, in basis points
    /// (0…10000), and hold it until the next operator command. Rolling rollouts refuse it.
    case setCanaryWeight(basisPoints: Int)
    /// An agent's traffic report for one host: cumulative per-version counters (and host
    /// resource shares). Canary and blue-green rollouts judge by it; rolling ones ignore it.
    case traffic(String, HostTrafficSample)
}

/// What an agent (or the fleet inventory) says about one host.
///
/// Instance events carry the command id they answer; an id that is not the host's current
/// command is stale (an earlier attempt, or a re-delivery) and is ignored.
public enum HostEvent: Codable, Sendable, Equatable {
    /// The agent began carrying out the command (informational: the rolling machine waits for the result).
    case swapStarted(commandID: String)
    /// The command's new instance passed its health checks.
    case instanceHealthy(commandID: String)
    /// The command's new instance failed its health checks.
    case instanceUnhealthy(commandID: String, observed: String, threshold: String)
    /// The agent could not carry out the command.
    case swapFailed(commandID: String, reason: String)
    /// The host stopped reporting (missed heartbeats).
    case hostLost
    /// The host reports again.
    case hostBack
}
