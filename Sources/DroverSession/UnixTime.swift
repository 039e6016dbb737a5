#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time in Unix milliseconds, for timestamps that go on the wire or into the store.
///
/// Decisions about durations use `ContinuousClock`; this is only for "when" facts.
public enum UnixTime {
    /// Milliseconds since the Unix epoch, now.
    public static func nowMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
