/// What the coordinator must do for a canary or blue-green rollout, in order; a
/// ``persist(_:)`` comes first whenever the state changed. Each command maps 1:1 onto an agent
/// primitive. Answers come back as ``RolloutInput/host(_:_:)``: a swap-like command
/// (`canarySwap`, `promote`, `revert`, `revertCanary`) answers `swapStarted`,
/// `instanceHealthy` (done), `instanceUnhealthy` or `swapFailed`; `setWeights` answers
/// `instanceHealthy` (succeeded) or `swapFailed` (failed), with its command id.
public enum TrafficRolloutAction: Sendable, Equatable {
    /// Store this state durably (it replaces the previous one).
    case persist(TrafficRolloutState)
    /// Start `version` beside stable on `host`, health-check it, give it `weightBP` of the traffic.
    case canarySwap(host: String, to: String, weightBP: Int, commandID: String)
    /// Change the canary's share on `host` (fast, no health check).
    case setWeights(host: String, canaryVersion: String, weightBP: Int, commandID: String)
    /// Make `version` the only one on `host`: shift 100 %, drain and stop stable (a normal swap).
    case promote(host: String, to: String, commandID: String)
    /// Canary weight to 0, drain and remove the canary; stable (`version`) untouched.
    case revertCanary(host: String, to: String, commandID: String)
    /// Swap `host` back to `version` skipping waits (a host already promoted, in a rollback).
    case revert(host: String, to: String, commandID: String)
    /// Tell operators.
    case notify(TrafficRolloutNotification)
    /// The rollout is over.
    case finished(RolloutOutcome)
}

/// Something operators should hear about during a canary or blue-green rollout.
public enum TrafficRolloutNotification: Codable, Sendable, Equatable {
    /// A notification shared with rolling rollouts (started, host lost, rollback, …).
    case rollout(RolloutNotification)
    /// A step began: its weight and hosts.
    case stepStarted(index: Int, weightBP: Int, hosts: [String])
    /// The step's weight is in effect everywhere; the analysis window starts.
    case windowStarted(index: Int)
    /// An analysis ran.
    case analysed(index: Int, AnalysisResult)
    /// The rollout stopped advancing; the reason says why and what the operator may do.
    case paused(reason: String)
    /// An operator set the canary weight by hand; it holds.
    case weightHeld(weightBP: Int)
    /// Blue-green: all traffic switched to the new set.
    case switched
    /// Promotion began.
    case promoting
    /// A host runs only the new version.
    case hostPromoted(String)
}
