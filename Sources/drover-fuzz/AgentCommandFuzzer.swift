import DroverAgent
import DroverRuntime
import DroverWire
import Foundation
import SwiftProtobuf

/// The agent's side of a command, short of running it: the envelope and each kind's payload
/// decode or are refused, a `SWAP`/`ROLLBACK` payload becomes a ``SwapOrder`` that validates
/// or throws `SwapError`, an accepted order survives the journal's JSON unchanged and yields a
/// usable health policy, and a `SET_WEIGHTS` payload becomes a ``WeightsOrder`` or a refusal.
///
/// Input: a serialized `Command`; the same bytes are also tried as the payload of every kind,
/// so the fuzzer reaches the payload decoders without learning the envelope first.
enum AgentCommandFuzzer {
    static let kinds: [Drover_V1_CommandKind] = [.swap, .rollback, .stop, .setWeights, .confirm, .noop]

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let data = Data(bytes)
        if let command = try? Drover_V1_Command(serializedBytes: data) {
            check(command)
        }
        for kind in kinds {
            var command = Drover_V1_Command()
            command.id = "fuzz"
            command.kind = kind
            command.payload = data
            check(command)
        }
    }

    static func check(_ command: Drover_V1_Command) {
        switch command.kind {
        case .swap, .rollback:
            guard let payload = try? Drover_V1_SwapPayload(serializedBytes: command.payload) else { return }
            let order: SwapOrder
            do {
                order = try SwapOrder(payload: payload, revert: command.kind == .rollback)
                try order.validate()
            } catch {
                // Typed throws: a SwapError, the agent's refusal.
                return
            }
            accepted(order)
        case .stop:
            _ = try? Drover_V1_SwapPayload(serializedBytes: command.payload)
        case .setWeights:
            guard let payload = try? Drover_V1_WeightsPayload(serializedBytes: command.payload),
                let order = try? WeightsOrder(payload: payload)
            else { return }
            precondition(!order.service.isEmpty && !order.canaryVersion.isEmpty, "accepted an unnamed weights order")
            precondition(order.canaryWeight >= 0, "negative canary weight")
        case .confirm:
            _ = try? Drover_V1_ConfirmPayload(serializedBytes: command.payload)
        default:
            break
        }
    }

    /// What the executor does with an order before running it: journal it and plan its checks.
    static func accepted(_ order: SwapOrder) {
        precondition((1...65_535).contains(order.publicPort) && (1...65_535).contains(order.containerPort))
        precondition((0...10_000).contains(order.canaryWeight))
        let journaled: SwapOrder
        do {
            journaled = try JSONDecoder().decode(SwapOrder.self, from: JSONEncoder().encode(order))
        } catch {
            fatalError("an accepted order does not survive the journal: \(error)")
        }
        precondition(journaled == order, "the journal changed the order: \(order) → \(journaled)")
        for revert in [false, true] {
            var variant = order
            variant.revert = revert
            let policy = HealthGate.policy(for: variant)
            precondition(policy.interval > .zero && policy.timeout > .zero, "health policy without a schedule")
            precondition(policy.healthyThreshold >= 1 && policy.unhealthyThreshold >= 1, "health policy thresholds")
        }
        _ = order.stickiness?.keySource
    }
}
