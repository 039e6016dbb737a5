import DroverWire
import NIOCore

/// Runs one connection's event loop: frames from the channel, clock ticks and events from
/// the owner are merged into one stream and handed, one at a time, to a single handler that
/// owns the session's state machine.
public enum SessionDriver {
    /// Feeds `handle` until it returns `false`, then stops the reader and the ticker.
    ///
    /// - Parameters:
    ///   - inbound: the channel's frames.
    ///   - tickInterval: how often ``SessionEvent/tick`` is delivered.
    ///   - events: a stream made by `AsyncStream.makeStream(of: SessionEvent.self)`; its
    ///     continuation may be kept by others (a registry) to inject ``SessionEvent/shutdown(reason:)``.
    ///   - handle: returns whether to keep going.
    public static func run(
        inbound: NIOAsyncChannelInboundStream<Frame>,
        tickInterval: Duration,
        events: (stream: AsyncStream<SessionEvent>, continuation: AsyncStream<SessionEvent>.Continuation),
        handle: (SessionEvent) async throws -> Bool
    ) async throws {
        let continuation = events.continuation
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await frame in inbound {
                        continuation.yield(.frame(frame))
                    }
                    continuation.yield(.inboundEnded(nil))
                } catch {
                    continuation.yield(.inboundEnded(error))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: tickInterval)
                    if Task.isCancelled { break }
                    continuation.yield(.tick)
                }
            }
            defer {
                group.cancelAll()
                continuation.finish()
            }
            for await event in events.stream {
                guard try await handle(event) else { break }
            }
        }
    }

    /// Feeds `handle` the events of a ``SessionConnection`` (frames, ticks and shutdown requests
    /// already merged by ``SessionInputHandler``) until it returns `false`; the end of the
    /// stream is delivered as ``SessionEvent/inboundEnded(_:)``.
    public static func run(
        events inbound: NIOAsyncChannelInboundStream<SessionEvent>,
        handle: (SessionEvent) async throws -> Bool
    ) async throws {
        var iterator = inbound.makeAsyncIterator()
        while true {
            let event: SessionEvent
            do {
                guard let next = try await iterator.next() else {
                    _ = try await handle(.inboundEnded(nil))
                    return
                }
                event = next
            } catch {
                _ = try await handle(.inboundEnded(error))
                return
            }
            guard try await handle(event) else { return }
        }
    }
}
