import DroverSession
import DroverWire
import NIOCore
import Testing

/// Agent and controller state machines wired to each other through the real frame codec
/// (encoder with negotiated compression, decoder with limits), with a simulated clock.
@Suite struct BackToBackTests {
    /// Encodes an envelope as the writer would and decodes it as the peer's pipeline would.
    func transmit(_ envelope: Envelope, compress: Bool) throws -> Frame {
        var buffer = ByteBuffer()
        let frame = try MessageCodec.frame(for: envelope)
        try FrameEncoder.encode(frame, into: &buffer, limits: .default, compress: compress)
        let decoded = try #require(try FrameDecoder.decodeFrame(from: &buffer, limits: .default))
        #expect(buffer.readableBytes == 0)
        return decoded
    }

    @Test func anHourOfHeartbeatsAndReportsInMilliseconds() throws {
        let start = ContinuousClock.now
        var agent = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy())
        var controller = ServerSessionStateMachine(
            kind: .agent(hostID: "h-sim"), policy: ServerHelloPolicy(heartbeatInterval: .seconds(5)), openedAt: start)
        var compress = false
        var reportsDelivered: [UInt64] = []
        var compressedFrames = 0

        var commandAnswers: [String] = []
        func toController(_ actions: [ClientSessionStateMachine.Action], at now: ContinuousClock.Instant) throws {
            for action in actions {
                switch action {
                case .send(let envelope):
                    let frame = try transmit(envelope, compress: compress)
                    if frame.flags.contains(.compressed) { compressedFrames += 1 }
                    try toAgent(controller.receive(frame, now: now, nowUnixMs: 0), at: now)
                case .command(let requestID, let command):
                    var ack = Drover_V1_CommandAck()
                    ack.commandID = command.id
                    ack.status = .accepted
                    try toController(agent.answerCommand(requestID: requestID, ack), at: now)
                    var result = Drover_V1_CommandResult()
                    result.commandID = command.id
                    result.outcome = .succeeded
                    try toController(agent.commandUpdate(.commandResult(result)), at: now)
                default:
                    break
                }
            }
        }
        func toAgent(_ actions: [ServerSessionStateMachine.Action], at now: ContinuousClock.Instant) throws {
            for action in actions {
                switch action {
                case .send(let envelope):
                    let replies = agent.receive(try transmit(envelope, compress: compress), now: now)
                    for case .established(let session) in replies { compress = session.compression }
                    try toController(replies, at: now)
                case .established(let session):
                    #expect(session.hostID == "h-sim")
                case .hostReport(let report):
                    reportsDelivered.append(report.sequence)
                case .close(_, let reason):
                    Issue.record("controller closed: \(reason)")
                case .commandAck(let ack):
                    commandAnswers.append("ack \(ack.commandID)")
                case .commandResult(let result):
                    commandAnswers.append("result \(result.commandID)")
                case .commandFailed(let id, let reason):
                    Issue.record("command \(id) failed: \(reason)")
                case .enroll, .renew, .log, .peerLost, .peerGoodbye, .commandProgress:
                    break
                }
            }
        }

        try toController(agent.start(now: start), at: start)
        #expect(agent.isEstablished)
        #expect(compress)

        var bigReport = Drover_V1_HostReport()
        bigReport.disks = (0..<40).map { index in
            var disk = Drover_V1_DiskStats()
            disk.mountPoint = "/srv/volume-\(index)"
            disk.device = "/dev/mapper/vg0-volume\(index)"
            disk.fsType = "ext4"
            disk.totalBytes = 1 << 40
            return disk
        }
        for second in 1...3600 {
            let now = start + .seconds(second)
            try toController(agent.tick(now: now, nowUnixMs: Int64(second) * 1000), at: now)
            if second % 5 == 0 { try toController(agent.report(bigReport), at: now) }
            if second % 600 == 0 {
                var command = Drover_V1_Command()
                command.id = "cmd-\(second)"
                try toAgent(controller.sendCommand(command), at: now)
            }
            try toAgent(controller.tick(now: now), at: now)
        }
        #expect(reportsDelivered == Array(1...720))
        #expect(commandAnswers == (1...6).flatMap { ["ack cmd-\($0 * 600)", "result cmd-\($0 * 600)"] })
        #expect(compressedFrames == 720)  // large reports cross the threshold and zlib was negotiated
        #expect(!controller.isClosed && agent.isEstablished)
    }
}
