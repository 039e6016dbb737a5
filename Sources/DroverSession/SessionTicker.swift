import NIOConcurrencyHelpers
import NIOCore

/// Ticks every ``SessionInputHandler`` of a server with one repeating timer per event loop.
///
/// Why not a timer per connection: with 10,000 sessions that is 10,000 scheduled tasks popped
/// and pushed back every interval, and NIO keeps them in one binary heap per loop — measured at
/// 10,000 agents, the heap's sifting and the copies of its entries took about a sixth of the
/// controller's CPU. Here a loop wakes once per interval (aligned to whole intervals) and asks
/// each of its handlers whether a tick is due, which for a chatty session is a comparison.
public final class SessionTicker: Sendable {
    /// When a session gets ``SessionEvent/tick``.
    public let policy: SessionInputHandler.TickPolicy
    private let loops = NIOLockedValueBox([ObjectIdentifier: NIOLoopBoundBox<LoopTicks>]())

    /// A ticker for handlers under `policy`.
    public init(policy: SessionInputHandler.TickPolicy) {
        self.policy = policy
    }

    /// Adds `handler` to the ticks of its loop (call on that loop).
    func add(_ handler: SessionInputHandler, context: ChannelHandlerContext) {
        let box = ticks(for: context.eventLoop)
        box.value.entries[ObjectIdentifier(handler)] = (handler, context)
        if box.value.timer == nil {
            box.value.timer = Self.startTimer(box: box, on: context.eventLoop, interval: policy.interval)
        }
    }

    /// Removes `handler` (call on its loop); the loop's timer stops with its last handler.
    func remove(_ handler: SessionInputHandler, eventLoop: any EventLoop) {
        let box = ticks(for: eventLoop)
        box.value.entries.removeValue(forKey: ObjectIdentifier(handler))
        if box.value.entries.isEmpty {
            box.value.timer?.cancel()
            box.value.timer = nil
        }
    }

    /// The handlers of one loop and its timer; touched only on that loop.
    final class LoopTicks {
        var entries: [ObjectIdentifier: (SessionInputHandler, ChannelHandlerContext)] = [:]
        var timer: RepeatedTask?
    }

    private func ticks(for eventLoop: any EventLoop) -> NIOLoopBoundBox<LoopTicks> {
        loops.withLockedValue { loops in
            if let box = loops[ObjectIdentifier(eventLoop)] { return box }
            let box = NIOLoopBoundBox(LoopTicks(), eventLoop: eventLoop)
            loops[ObjectIdentifier(eventLoop)] = box
            return box
        }
    }

    private static func startTimer(
        box: NIOLoopBoundBox<LoopTicks>, on eventLoop: any EventLoop, interval: Duration
    ) -> RepeatedTask {
        let nanos = UInt64(max(1, interval.nanoseconds))
        let now = NIODeadline.now().uptimeNanoseconds
        let firstDelay = TimeAmount.nanoseconds(Int64((now / nanos + 1) * nanos - now))
        return eventLoop.scheduleRepeatedTask(initialDelay: firstDelay, delay: .nanoseconds(Int64(nanos))) { _ in
            // A snapshot: a tick can close its channel, which removes the handler from `entries`.
            let now = NIODeadline.now()
            for (handler, context) in Array(box.value.entries.values) {
                handler.tick(context: context, now: now)
            }
        }
    }
}
