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
    /// Sessions that ended for a reason other than the controller's goodbye.
    let lostSessions = Atomic<Int>(0)
    private let latencies = NIOLockedValueBox(LatencySamples())

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

    /// One report's latency.
    func recordLatency(_ duration: Duration) {
        let micros = UInt32(clamping: duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        latencies.withLockedValue { if $0.recording { $0.microseconds.append(micros) } }
    }
}
