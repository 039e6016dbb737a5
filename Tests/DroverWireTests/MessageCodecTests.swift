import DroverWire
import NIOCore
import SwiftProtobuf
import Testing

@Suite struct MessageCodecTests {
    static let allMessages: [DroverMessage] = [
        .hello(Fixtures.hello), .welcome(Fixtures.welcome), .error(Fixtures.tooManyInFlight),
        .heartbeat(Fixtures.heartbeat), .goodbye(Fixtures.goodbye), .enrollRequest(Fixtures.enrollRequest),
        .enrollResponse(Fixtures.enrollResponse), .hostReport(Fixtures.smallHostReport),
        .command(Fixtures.command), .commandAck(Fixtures.duplicateAck),
        .commandProgress(Fixtures.commandProgress), .commandResult(Fixtures.commandResult),
    ]

    @Test func everyMessageTypeRoundTripsThroughTheWire() throws {
        #expect(Set(Self.allMessages.map(\.messageType)) == Set(MessageType.allKnown))
        for (index, message) in Self.allMessages.enumerated() {
            let envelope = Envelope.request(message, id: UInt32(2 * index + 1))
            let wire = try encodeFrames([try MessageCodec.frame(for: envelope)])
            let frames = try decodeAll(wire.bytes)
            #expect(try frames.map { try MessageCodec.decodeEnvelope($0) } == [envelope])
        }
    }

    @Test func responseFlagAndRequestIDCarried() throws {
        let frame = try MessageCodec.frame(for: .response(.heartbeat(Fixtures.heartbeat), to: 3))
        #expect(frame.flags == .response)
        #expect(frame.requestID == 3)
        #expect(frame.type == .heartbeat)
        let oneWay = try MessageCodec.frame(for: .oneWay(.goodbye(Fixtures.goodbye)))
        #expect(oneWay.flags == [])
        #expect(oneWay.isOneWay)
    }

    @Test func unknownTypeDecodesToUnknown() throws {
        let payload = ByteBuffer(bytes: [0x0A, 0x03, 0x66, 0x6F, 0x6F])
        let frame = Frame(type: 0x7F00, requestID: 9, payload: payload)
        #expect(try MessageCodec.decode(frame) == .unknown(type: 0x7F00, payload: payload))
        #expect(MessageType(0x7F00).isKnown == false)
        #expect(MessageType(0x8001).isExtension)
        #expect(MessageType(0x7F00).description == "0x7F00")
        #expect(MessageType.commandResult.description == "COMMAND_RESULT(0x0033)")
        // Re-encodes verbatim.
        #expect(try MessageCodec.frame(for: .request(.unknown(type: 0x7F00, payload: payload), id: 9)) == frame)
    }

    @Test func malformedProtobufIsMalformedPayload() throws {
        let cases: [[UInt8]] = [
            [0x0A, 0x05, 0x61],  // length-delimited field longer than the payload
            [0x08],  // varint field without its value
            [0x0F],  // wire type 7 does not exist
            [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],  // varint over 10 bytes
        ]
        for bytes in cases {
            let frame = Frame(type: .hello, requestID: 1, payload: ByteBuffer(bytes: bytes))
            do {
                _ = try MessageCodec.decode(frame)
                Issue.record("decoded \(bytes)")
            } catch {
                guard case .malformedPayload(let type, _) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(type == .hello)
                #expect(error.wireErrorCode == .malformedPayload)
                #expect(!error.isFatal)
            }
        }
    }

    @Test func unknownFieldsAreIgnored() throws {
        // Heartbeat with sequence 5 plus field 99 (varint 1) from a newer peer.
        let bytes: [UInt8] = [0x08, 0x05, 0x98, 0x06, 0x01]
        let message = try MessageCodec.decode(Frame(type: .heartbeat, payload: ByteBuffer(bytes: bytes)))
        guard case .heartbeat(let heartbeat) = message else {
            Issue.record("not a heartbeat: \(message)")
            return
        }
        #expect(heartbeat.sequence == 5)
    }

    @Test func smallHostReportIsCompact() throws {
        let payload = try MessageCodec.encode(.hostReport(Fixtures.smallHostReport))
        #expect(payload.readableBytes < 256, "\(payload.readableBytes) bytes")
        #expect(payload.readableBytes > 100)
        let large = try MessageCodec.encode(.hostReport(Fixtures.largeHostReport))
        #expect(large.readableBytes >= WireLimits.default.compressionThreshold)
    }

    @Test func wireErrorsMapToProtocolCodes() {
        let expected: [(WireError, Drover_V1_ErrorCode, Bool)] = [
            (.frameTooLarge(length: 5, limit: 4), .frameTooLarge, true),
            (.reservedFlags(0x04), .badFlags, true),
            (.reservedHeaderByte(1), .badHeader, true),
            (.compressedPayloadTooShort(length: 2), .decompressionFailed, true),
            (.decompressedTooLarge(declared: 9, limit: 8), .decompressedTooLarge, true),
            (.decompressionFailed(reason: "x"), .decompressionFailed, true),
            (.truncatedFrame(expected: 12, received: 3), .protocolViolation, true),
            (.malformedPayload(type: .hello, reason: "x"), .malformedPayload, false),
            (.unknownMessageType(0x7F00), .unknownMessageType, false),
        ]
        for (error, code, fatal) in expected {
            #expect(error.wireErrorCode == code, "\(error)")
            #expect(error.isFatal == fatal, "\(error)")
        }
        #expect(WireError.frameTooLarge(length: 5_000_000, limit: 4_194_304).description
            == "frame payload of 5000000 bytes exceeds the limit of 4194304 bytes")
        #expect(WireError.reservedFlags(0x84).description.hasPrefix("reserved flag bits set in flags byte 0x84"))
        let report = WireError.unknownMessageType(0x7F00).errorMessage()
        #expect(report.code == .unknownMessageType)
        #expect(report.relatedType == 0x7F00)
        #expect(report.fatal == false)
        #expect(report.message == "unknown message type 0x7F00")
    }

    @Test func limitsFromWelcome() {
        var welcome = Fixtures.welcome
        welcome.maxFrameSize = 1024
        welcome.maxInFlight = 0
        let limits = WireLimits(welcome: welcome)
        #expect(limits.maxFrameSize == 1024)
        #expect(limits.maxDecompressedSize == 16_777_216)
        #expect(limits.maxInFlight == 128)
        #expect(limits.compressionThreshold == 512)
    }
}
