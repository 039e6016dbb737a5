import DroverWire
import NIOCore

/// Merges a connection's inputs — decoded frames, the clock, shutdown and command requests — into one
/// stream of ``SessionEvent``s on the channel's event loop, so the session task reads a single
/// `NIOAsyncChannel` and nothing else.
///
/// Why not a ticker task and a second stream per connection: with 10,000 agent sessions that
/// design costs three tasks, a timer and an extra task hop per frame for each of them. Here
/// ticks come from a ``SessionTicker`` (one timer per event loop serves every connection of the
/// loop), and after the opening phase a healthy, chatty session gets no ticks at all:
/// every tick-driven decision of a session (Hello and enrollment deadlines, heartbeat loss) is
/// about silence or about the opening phase.
///
/// With a ``SessionFastPath`` installed, frames it takes are handled here, on the event loop,
/// and never reach the task; their answers are flushed once per read.
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
        public init(interval: Duration = .seconds(1), openingPhase: Duration = .seconds(60), quietBeforeTicks: Duration)
        {
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

    /// Ends the opening phase early: `fireUserInboundEventTriggered(OpeningPhaseEnded())` from any
    /// thread once nothing of the opening is pending (an agent session established). From then
    /// on ticks come only after a quiet heartbeat interval: when a whole fleet reconnects at
    /// once, a tick a second for every new session would be as many wake-ups as the reports.
    public struct OpeningPhaseEnded: Sendable {
        /// The event.
        public init() {}
    }

    private let ticker: SessionTicker
    private var policy: TickPolicy { ticker.policy }
    private var fastPath: (any SessionFastPath)?
    /// Events passed on to the session task, to compare with the fast path's ``SessionFastPath/eventsHandled``.
    private var eventsForwarded = 0
    private var flushPending = false
    private var openingEnded = false
    private var openedAt = NIODeadline.now()
    private var lastInboundAt = NIODeadline.now()
    private var ticking = false

    /// A handler ticked by `ticker` (one per server, shared by all its connections).
    public init(ticker: SessionTicker) {
        self.ticker = ticker
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        openedAt = .now()
        lastInboundAt = openedAt
        ticking = true
        ticker.add(self, context: context)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        stopTicking(context: context)
        fastPath = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        stopTicking(context: context)
        fastPath = nil
        context.fireChannelInactive()
    }

    /// Takes `fastPath` into use for the frames that arrive from now on (call on the channel's loop).
    public func install(_ fastPath: any SessionFastPath) {
        self.fastPath = fastPath
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastInboundAt = .now()
        let frame = unwrapInboundIn(data)
        var wrote = false
        if let fastPath, fastPath.eventsHandled == eventsForwarded,
            let outcome = fastPath.handle(
                frame,
                write: {
                    context.write(NIOAny($0), promise: nil)
                    wrote = true
                })
        {
            if wrote { flushPending = true }
            if outcome == .close {
                self.fastPath = nil
                flushPending = false
                context.flush()
                context.close(promise: nil)
            }
            return
        }
        forward(.frame(frame), context: context, readComplete: false)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if flushPending {
            flushPending = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    private func forward(_ event: SessionEvent, context: ChannelHandlerContext, readComplete: Bool) {
        eventsForwarded += 1
        context.fireChannelRead(wrapInboundOut(event))
        if readComplete { context.fireChannelReadComplete() }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is OpeningPhaseEnded {
            openingEnded = true
            return
        }
        if let request = event as? ShutdownRequest {
            forward(.shutdown(reason: request.reason), context: context, readComplete: true)
            return
        }
        if let request = event as? CommandRequest {
            forward(.command(request.command), context: context, readComplete: true)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Whether a tick is due at `now` under the policy.
    static func isDue(
        now: NIODeadline, openedAt: NIODeadline, lastInboundAt: NIODeadline, policy: TickPolicy,
        openingEnded: Bool = false
    ) -> Bool {
        (!openingEnded && now - openedAt < .nanoseconds(policy.openingPhase.nanoseconds))
            || now - lastInboundAt >= .nanoseconds(policy.quietBeforeTicks.nanoseconds)
    }

    private func stopTicking(context: ChannelHandlerContext) {
        guard ticking else { return }
        ticking = false
        ticker.remove(self, eventLoop: context.eventLoop)
    }

    /// Called by the ticker every interval: delivers a tick if one is due.
    func tick(context: ChannelHandlerContext, now: NIODeadline) {
        guard ticking else { return }
        if Self.isDue(
            now: now, openedAt: openedAt, lastInboundAt: lastInboundAt, policy: policy, openingEnded: openingEnded)
        {
            forward(.tick, context: context, readComplete: true)
        }
    }
}
