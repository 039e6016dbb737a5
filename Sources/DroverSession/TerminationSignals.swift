import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGTERM and SIGINT into a call, for graceful shutdown of the daemons.
///
/// The signals are ignored at the process level and observed through `DispatchSource`, so the
/// handler runs on a normal queue (not in signal context).
public final class TerminationSignals: @unchecked Sendable {  // immutable; DispatchSource.cancel is thread-safe
    private let sources: [any DispatchSourceSignal]

    /// Starts watching; `handler` runs (on a private queue) for each signal received.
    public init(_ handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "drover.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Stops watching.
    public func cancel() {
        for source in sources { source.cancel() }
    }
}
