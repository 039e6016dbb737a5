import DroverSession
import DroverWire
import NIOConcurrencyHelpers
import SwiftProtobuf

/// How the simulated agents of `drover-bench rollout` carry out swap commands: they answer
/// like a real agent (ack at once, the result when the swap is over, a repeated command id is
/// a no-op returning the first result) but the swap itself is a timer.
///
/// Every command's timing is recorded, so the benchmark can tell the agents' own work apart
/// from the controller's.
final class SwapSimulation: Sendable {
    /// How long a swap takes on a host (the new instance starting and passing its checks).
    let swapTime: Duration
    /// How long a revert takes (the kept instance restarting).
    let revertTime: Duration
    /// The version whose health checks fail, and from which host index on.
    let failing: (version: String, fromIndex: Int)?

    /// One command as the agent saw it.
    struct Record: Sendable {
        var host: Int
        var kind: Drover_V1_CommandKind
        var version: String
        /// Wall clock, Unix ms: command received / result sent.
        var receivedAt: Int64
        var resultAt: Int64?
        var outcome: Drover_V1_CommandResult.Outcome?
    }

    private struct State {
        var records: [String: Record] = [:]
        var results: [String: Drover_V1_CommandResult] = [:]
        var duplicates = 0
    }

    private let state = NIOLockedValueBox(State())

    init(swapTime: Duration, revertTime: Duration, failing: (version: String, fromIndex: Int)?) {
        self.swapTime = swapTime
        self.revertTime = revertTime
        self.failing = failing
    }

    /// What to answer to a command: the ack and, for a new command, when to send which result.
    func receive(
        _ command: Drover_V1_Command, host: Int
    ) -> (ack: Drover_V1_CommandAck, result: (Duration, Drover_V1_CommandResult)?) {
        var ack = Drover_V1_CommandAck()
        ack.commandID = command.id
        let now = UnixTime.nowMillis()
        return state.withLockedValue { state in
            if state.records[command.id] != nil {
                state.duplicates += 1
                ack.status = .duplicate
                if let result = state.results[command.id] { ack.result = result }
                return (ack, nil)
            }
            var version = ""
            if command.kind == .swap || command.kind == .rollback,
                let payload = try? Drover_V1_SwapPayload(serializedBytes: command.payload)
            {
                version = payload.version
            }
            state.records[command.id] = Record(host: host, kind: command.kind, version: version, receivedAt: now)
            var result = Drover_V1_CommandResult()
            result.commandID = command.id
            result.startedUnixMs = now
            result.details = ["version": version]
            switch command.kind {
            case .swap, .rollback:
                ack.status = .accepted
                if let failing, failing.version == version, host >= failing.fromIndex, command.kind == .swap {
                    result.outcome = .failed
                    result.message = "new instance unhealthy"
                    result.details["observed"] = "3 consecutive failures: HTTP 500"
                    result.details["threshold"] = "3 failures"
                } else {
                    result.outcome = .succeeded
                    result.message = "serving \(version)"
                }
                return (ack, (command.kind == .rollback ? revertTime : swapTime, result))
            case .confirm, .noop:
                ack.status = .accepted
                result.outcome = .succeeded
                return (ack, (.zero, result))
            default:
                ack.status = .rejected
                ack.reason = "the simulated agent does not run \(command.kind)"
                return (ack, nil)
            }
        }
    }

    /// Records that `result` was sent.
    func sent(_ result: Drover_V1_CommandResult) {
        let now = UnixTime.nowMillis()
        state.withLockedValue { state in
            state.results[result.commandID] = result
            state.records[result.commandID]?.resultAt = now
            state.records[result.commandID]?.outcome = result.outcome
        }
    }

    /// Every command so far.
    var records: [Record] { state.withLockedValue { Array($0.records.values) } }

    /// Commands that arrived again with an id already seen.
    var duplicates: Int { state.withLockedValue { $0.duplicates } }

    /// Forgets everything (between two measured rollouts).
    func reset() {
        state.withLockedValue { $0 = State() }
    }
}
