import DroverSession
import DroverWire
import NIOCore
import NIOEmbedded
import Testing

/// ``SessionInputHandler`` with a ``SessionFastPath``: frames go to the fast path only while
/// the session task has finished every event it was given, its writes are flushed once per
/// read, and a `.close` outcome closes the channel.
@Suite struct SessionFastPathTests {
    /// Takes heartbeats, answering each with its sequence as one byte; `eventsHandled` is set by the test.
    final class RecordingFastPath: SessionFastPath {
        var eventsHandled = 0
        var handled: [UInt64] = []
        var closeOn: UInt64?

        func handle(_ frame: Frame, write: (ByteBuffer) -> Void) -> SessionFastPathOutcome? {
            guard frame.type == .heartbeat, case .heartbeat(let beat)? = try? MessageCodec.decode(frame) else {
                return nil
            }
            handled.append(beat.sequence)
            write(ByteBuffer(bytes: [UInt8(beat.sequence)]))
            return beat.sequence == closeOn ? .close : .handled
        }
    }

    func channel() throws -> (EmbeddedChannel, SessionInputHandler) {
        let ticker = SessionTicker(policy: .init(quietBeforeTicks: .seconds(15)))
        let handler = SessionInputHandler(ticker: ticker)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(handler)
        return (channel, handler)
    }

    func forwardedSequences(_ channel: EmbeddedChannel) throws -> [UInt64] {
        var sequences: [UInt64] = []
        while let event = try channel.readInbound(as: SessionEvent.self) {
            if case .frame(let frame) = event, case .heartbeat(let beat) = try MessageCodec.decode(frame) {
                sequences.append(beat.sequence)
            }
        }
        return sequences
    }

    func written(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += Array(buffer.readableBytesView) }
        return bytes
    }

    @Test func framesWaitForTheTaskUntilItHasFinishedEveryEarlierEvent() throws {
        let (channel, handler) = try channel()
        defer { _ = try? channel.finish() }
        try channel.writeInbound(frame(.request(heartbeat(1), id: 3)))  // before any fast path
        let fastPath = RecordingFastPath()
        handler.install(fastPath)
        // The task has not finished event 1 yet: frame 2 queues behind it.
        try channel.writeInbound(frame(.request(heartbeat(2), id: 5)))
        #expect(try forwardedSequences(channel) == [1, 2])
        #expect(fastPath.handled.isEmpty)
        // Both finished: frames are handled on the spot, answers written and flushed with the read.
        fastPath.eventsHandled = 2
        channel.pipeline.syncOperations.fireChannelRead(NIOAny(frame(.request(heartbeat(3), id: 7))))
        channel.pipeline.syncOperations.fireChannelRead(NIOAny(frame(.oneWay(heartbeat(4)))))
        #expect(try written(channel).isEmpty)  // not flushed before the read completes
        channel.pipeline.syncOperations.fireChannelReadComplete()
        #expect(try written(channel) == [3, 4])
        #expect(try forwardedSequences(channel).isEmpty)
        #expect(fastPath.handled == [3, 4])
    }

    @Test func framesTheFastPathDeclinesGoToTheTaskAndHoldBackLaterOnes() throws {
        let (channel, handler) = try channel()
        defer { _ = try? channel.finish() }
        let fastPath = RecordingFastPath()
        handler.install(fastPath)
        var goodbye = Drover_V1_Goodbye()
        goodbye.reason = "bye"
        try channel.writeInbound(frame(.oneWay(.goodbye(goodbye))))
        try channel.writeInbound(frame(.request(heartbeat(5), id: 3)))
        var events: [String] = []
        while let event = try channel.readInbound(as: SessionEvent.self) {
            if case .frame(let frame) = event { events.append("\(frame.type)") }
        }
        #expect(events == ["\(MessageType.goodbye)", "\(MessageType.heartbeat)"])
        #expect(fastPath.handled.isEmpty)
    }

    @Test func aCloseOutcomeFlushesAndClosesTheChannel() throws {
        let (channel, handler) = try channel()
        let fastPath = RecordingFastPath()
        fastPath.closeOn = 9
        handler.install(fastPath)
        try channel.writeInbound(frame(.request(heartbeat(9), id: 3)))
        #expect(try written(channel) == [9])
        #expect(!channel.isActive)
    }
}
