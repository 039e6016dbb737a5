import NIOConcurrencyHelpers
import Synchronization

/// What the simulated agents of `drover-bench fleet` count, shared by all of them.
final class FleetCounters: Sendable {
    /// Sessions currently established.
    let open = Atomic<Int>(0)
    /// Sessions established since the start (reconnects included).
    let established = Atomic<Int>(0)
    /// Host reports written.
    let reports = Atomic<Int>(0)
    /// Report payload bytes written (protobuf, before framing and TLS).
    let reportBytes = Atomic<Int>(0)
    /// Connection attempts that failed (refused, TLS, timeouts).
    let failedAttempts = Atomic<Int>(0)
    /// TLS handshakes completed, and how many of them resumed a session from a ticket.
    let handshakes = Atomic<Int>(0)
    let resumedHandshakes = Atomic<Int>(0)
    /// Sessions that ended for a reason other than the controller's goodbye.
    let lostSessions = Atomic<Int>(0)
    private let latencies = NIOLockedValueBox(LatencySamples())
    private let failureCauses = NIOLockedValueBox([String: Int]())
    private let lossCauses = NIOLockedValueBox([String: Int]())

    private struct LatencySamples {
        var recording = false
        var microseconds: [UInt32] = []
    }

    /// Starts keeping report-to-inventory latencies (earlier ones are dropped).
    func startRecordingLatencies() {
        latencies.withLockedValue {
            $0.microseconds.removeAll(keepingCapacity: true)
            $0.recording = true
        }
    }

    /// Stops keeping latencies and returns those kept, in microseconds.
    func stopRecordingLatencies() -> [UInt32] {
        latencies.withLockedValue {
            $0.recording = false
            return $0.microseconds
        }
    }

    /// One failed attempt (also counted in ``failedAttempts``), tallied by `cause`.
    func recordFailure(_ cause: String) {
        failedAttempts.add(1, ordering: .relaxed)
        failureCauses.withLockedValue { $0[cause, default: 0] += 1 }
    }

    /// One established session that ended without the controller's goodbye (also counted in
    /// ``lostSessions``), tallied by `cause`.
    func recordLoss(_ cause: String) {
        lostSessions.add(1, ordering: .relaxed)
        lossCauses.withLockedValue { $0[cause, default: 0] += 1 }
    }

    /// Lost sessions by cause.
    var lossesByCause: [String: Int] { lossCauses.withLockedValue { $0 } }

    /// Failed attempts by cause, most frequent first.
    var failuresByCause: [(cause: String, count: Int)] {
        failureCauses.withLockedValue { $0 }.map { (cause: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.cause < $1.cause }
    }

    /// Open sessions, handshakes (resumed) and failed attempts with their top causes, on one line.
    var statusLine: String {
        let causes = failuresByCause.prefix(3).map { "\($0.count) × \($0.cause)" }.joined(separator: "; ")
        return "\(open.load(ordering: .relaxed)) sessions open, \(handshakes.load(ordering: .relaxed)) handshakes "
            + "(\(resumedHandshakes.load(ordering: .relaxed)) resumed), \(failedAttempts.load(ordering: .relaxed)) failed"
            + (causes.isEmpty ? "" : " (\(causes))")
    }

    /// One report's latency.
    func recordLatency(_ duration: Duration) {
        let micros = UInt32(
            clamping: duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        latencies.withLockedValue { if $0.recording { $0.microseconds.append(micros) } }
    }
}
