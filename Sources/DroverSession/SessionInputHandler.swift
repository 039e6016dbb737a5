import DroverWire
import NIOCore

/// Merges a connection's inputs — decoded frames, the clock, shutdown and command requests — into one
/// stream of ``SessionEvent``s on the channel's event loop, so the session task reads a single
/// `NIOAsyncChannel` and nothing else.
///
/// Why not a ticker task and a second stream per connection: with 10,000 agent sessions that
/// design costs three tasks, a timer and an extra task hop per frame for each of them. Here
/// ticks are event-loop timers aligned to whole intervals (one wake-up serves every connection
/// of the loop), and after the opening phase a healthy, chatty session gets no ticks at all:
/// every tick-driven decision of a session (Hello and enrollment deadlines, heartbeat loss) is
/// about silence or about the opening phase.
public final class SessionInputHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = Frame
    public typealias InboundOut = SessionEvent

    /// When the session gets ``SessionEvent/tick``.
    public struct TickPolicy: Sendable, Hashable {
        /// Tick granularity (and the spacing of ticks while they are due).
        public var interval: Duration
        /// From the connection's start, tick every interval this long (Hello, enrollment deadlines).
        public var openingPhase: Duration
        /// After the opening phase, tick only once no frame arrived for this long.
        public var quietBeforeTicks: Duration

        /// A policy; `quietBeforeTicks` of zero ticks every interval for the whole connection.
        public init(interval: Duration = .seconds(1), openingPhase: Duration = .seconds(60), quietBeforeTicks: Duration) {
            self.interval = interval
            self.openingPhase = openingPhase
            self.quietBeforeTicks = quietBeforeTicks
        }
    }

    /// Asks the session to close gracefully: `channel.pipeline.fireUserInboundEventTriggered(ShutdownRequest(…))`
    /// from any thread.
    public struct ShutdownRequest: Sendable {
        /// Why (sent to the peer in `Goodbye`).
        public var reason: String

        /// A request with `reason`.
        public init(reason: String) { self.reason = reason }
    }

    /// Asks the session to send a command to its agent: `fireUserInboundEventTriggered(CommandRequest(…))`
    /// from any thread; it arrives in the session's stream as ``SessionEvent/command(_:)``.
    public struct CommandRequest: Sendable {
        /// The command to send.
        public var command: Drover_V1_Command

        /// A request to send `command`.
        public init(command: Drover_V1_Command) { self.command = command }
    }

    private let policy: TickPolicy
    private var openedAt = NIODeadline.now()
    private var lastInboundAt = NIODeadline.now()
    private var timer: Scheduled<Void>?

    /// A handler ticking by `policy`.
    public init(policy: TickPolicy) {
        self.policy = policy
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        openedAt = .now()
        lastInboundAt = openedAt
        scheduleTick(context: context)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastInboundAt = .now()
        context.fireChannelRead(wrapInboundOut(.frame(unwrapInboundIn(data))))
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let request = event as? ShutdownRequest {
            context.fireChannelRead(wrapInboundOut(.shutdown(reason: request.reason)))
            context.fireChannelReadComplete()
            return
        }
        if let request = event as? CommandRequest {
            context.fireChannelRead(wrapInboundOut(.command(request.command)))
            context.fireChannelReadComplete()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Whether a tick is due at `now` under the policy.
    static func isDue(now: NIODeadline, openedAt: NIODeadline, lastInboundAt: NIODeadline, policy: TickPolicy) -> Bool {
        now - openedAt < .nanoseconds(policy.openingPhase.nanoseconds)
            || now - lastInboundAt >= .nanoseconds(policy.quietBeforeTicks.nanoseconds)
    }

    private func scheduleTick(context: ChannelHandlerContext) {
        let interval = max(1, policy.interval.nanoseconds)
        let now = NIODeadline.now().uptimeNanoseconds
        // Aligned to whole intervals: every connection of the loop shares one wake-up.
        let next = NIODeadline.uptimeNanoseconds((now / UInt64(interval) + 1) * UInt64(interval))
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: next) {
            let (handler, context) = bound.value
            handler.tick(context: context)
        }
    }

    private func tick(context: ChannelHandlerContext) {
        guard timer != nil else { return }
        if Self.isDue(now: .now(), openedAt: openedAt, lastInboundAt: lastInboundAt, policy: policy) {
            context.fireChannelRead(wrapInboundOut(.tick))
            context.fireChannelReadComplete()
        }
        scheduleTick(context: context)
    }
}
