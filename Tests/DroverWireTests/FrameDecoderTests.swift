import DroverTestSupport
import DroverWire
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@Suite struct FrameDecoderTests {
    /// A mixed stream: one-way, request, response, empty, unknown type, compressed.
    static func sampleFrames() throws -> [Frame] {
        let compressible = ByteBuffer(bytes: Array(String(repeating: "rollout canary ", count: 100).utf8))
        return [
            try MessageCodec.frame(for: .request(.hello(Fixtures.hello), id: 1)),
            Frame(type: .heartbeat, requestID: 3, payload: ByteBuffer()),
            try MessageCodec.frame(for: .response(.welcome(Fixtures.welcome), to: 1)),
            try MessageCodec.frame(for: .oneWay(.hostReport(Fixtures.smallHostReport))),
            Frame(type: 0x7F00, requestID: 9, payload: ByteBuffer(bytes: [1, 2, 3])),
            Frame(type: .commandProgress, flags: .compressed, payload: compressible),
            try MessageCodec.frame(for: .oneWay(.hostReport(Fixtures.largeHostReport))).withFlags([.compressed]),
            try MessageCodec.frame(for: .response(.commandAck(Fixtures.commandAck), to: 2)),
        ]
    }

    @Test func verifierAcceptsDecoder() throws {
        let frames = try Self.sampleFrames()
        let stream = try encodeFrames(frames)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (stream, frames),
                (try encodeFrames([frames[0]]), [frames[0]]),
                (try encodeFrames([frames[1]]), [frames[1]]),
                (try encodeFrames([frames[5]]), [frames[5]]),
            ],
            decoderFactory: { FrameDecoder() })
    }

    @Test func encoderCompressesOnlyLargeCompressiblePayloads() throws {
        let frames = try Self.sampleFrames()
        var out = ByteBuffer()
        var wireFlags: [UInt8] = []
        for frame in frames {
            let start = out.writerIndex
            try FrameEncoder.encode(frame, into: &out)
            wireFlags.append(out.getInteger(at: start + 6, as: UInt8.self)!)
        }
        #expect(wireFlags == [0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0x01, 0x02])
    }

    @Test func byteByByteFeedingYieldsSameFrames() throws {
        let frames = try Self.sampleFrames()
        let bytes = try encodeFrames(frames).bytes
        var decoder = FrameDecoder()
        var buffer = ByteBuffer()
        var decoded: [Frame] = []
        for byte in bytes {
            buffer.writeInteger(byte)
            while let frame = try decoder.decode(buffer: &buffer) { decoded.append(frame) }
        }
        #expect(decoded == frames)
        #expect(buffer.readableBytes == 0)
    }

    @Test(arguments: [1 as UInt64, 2, 3, 42, 1234])
    func randomSplitsThroughPipelineYieldSameFrames(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let frames = try Self.sampleFrames()
        let bytes = try encodeFrames(frames).bytes
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var index = 0
        while index < bytes.count {
            let chunk = Int.random(in: 1...64, using: &rng)
            let end = min(bytes.count, index + chunk)
            try channel.writeInbound(ByteBuffer(bytes: bytes[index..<end]))
            index = end
        }
        var decoded: [Frame] = []
        while let frame = try channel.readInbound(as: Frame.self) { decoded.append(frame) }
        #expect(decoded == frames)
        #expect(try channel.finish().isClean)
    }

    @Test func eofMidHeaderIsTruncatedFrame() throws {
        let bytes = try encodeFrames([Frame(type: .heartbeat, requestID: 3, payload: ByteBuffer(bytes: [8, 1]))]).bytes
        #expect(throws: WireError.truncatedFrame(expected: 12, received: 5)) {
            try decodeAll(Array(bytes.prefix(5)))
        }
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: bytes.prefix(5)))
        #expect(throws: WireError.truncatedFrame(expected: 12, received: 5)) { try channel.finish() }
    }

    @Test func eofMidPayloadIsTruncatedFrame() throws {
        let payload = ByteBuffer(bytes: [UInt8](repeating: 7, count: 100))
        let bytes = try encodeFrames([Frame(type: 0x7F00, payload: payload)], compress: false).bytes
        #expect(bytes.count == 112)
        #expect(throws: WireError.truncatedFrame(expected: 112, received: 60)) {
            try decodeAll(Array(bytes.prefix(60)))
        }
        // A complete frame followed by a partial one: the complete one is delivered first.
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: bytes + bytes.prefix(13)))
        #expect(try channel.readInbound(as: Frame.self)?.payload == payload)
        #expect(throws: WireError.truncatedFrame(expected: 112, received: 13)) { try channel.finish() }
    }

    @Test func cleanEofBetweenFramesIsFine() throws {
        let bytes = try encodeFrames(try Self.sampleFrames()).bytes
        #expect(try decodeAll(bytes).count == 8)
        #expect(try decodeAll([]).isEmpty)
    }

    @Test func oversizeRejectedFromHeaderAlone() throws {
        let header = rawFrame(length: 4 * 1024 * 1024 + 1, type: 0x0020, flags: 0, requestID: 0, payload: [])
        #expect(header.count == 12)
        var decoder = FrameDecoder()
        var buffer = ByteBuffer(bytes: header.prefix(11))
        #expect(try decoder.decode(buffer: &buffer) == nil)  // not enough to judge yet
        buffer.writeInteger(header[11])
        #expect(throws: WireError.frameTooLarge(length: 4_194_305, limit: 4_194_304)) {
            try decoder.decode(buffer: &buffer)
        }
        // Exactly the limit is allowed (only waits for the payload).
        var atLimit = ByteBuffer(bytes: rawFrame(length: 4 * 1024 * 1024, type: 0x0020, flags: 0, requestID: 0, payload: []))
        #expect(try decoder.decode(buffer: &atLimit) == nil)
        // A custom, smaller limit.
        var small = FrameDecoder(limits: WireLimits(maxFrameSize: 16))
        var seventeen = ByteBuffer(bytes: rawFrame(length: 17, type: 0x0004, flags: 0, requestID: 0, payload: []))
        #expect(throws: WireError.frameTooLarge(length: 17, limit: 16)) { try small.decode(buffer: &seventeen) }
    }

    @Test func oversizeThroughPipelineFiresErrorWithoutPayload() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        let header = rawFrame(length: UInt32.max, type: 0x0020, flags: 0, requestID: 0, payload: [])
        #expect(throws: WireError.frameTooLarge(length: UInt32.max, limit: 4_194_304)) {
            try channel.writeInbound(ByteBuffer(bytes: header))
        }
        _ = try? channel.finish()
    }

    @Test(arguments: [0x04 as UInt8, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF, 0x83])
    func reservedFlagBitsRejected(flags: UInt8) throws {
        let bytes = rawFrame(length: 0, type: 0x0004, flags: flags, requestID: 1, payload: [])
        #expect(throws: WireError.reservedFlags(flags)) { try decodeAll(bytes) }
        #expect(WireError.reservedFlags(flags).wireErrorCode == .badFlags)
        #expect(WireError.reservedFlags(flags).isFatal)
    }

    @Test func definedFlagsAccepted() throws {
        for flags: UInt8 in [0x00, 0x02] {
            let frames = try decodeAll(rawFrame(length: 0, type: 0x0004, flags: flags, requestID: 1, payload: []))
            #expect(frames.map(\.flags.rawValue) == [flags])
        }
    }

    @Test(arguments: [0x01 as UInt8, 0x80, 0xFF])
    func reservedHeaderByteRejected(value: UInt8) throws {
        let bytes = rawFrame(length: 0, type: 0x0004, flags: 0, reserved: value, requestID: 1, payload: [])
        #expect(throws: WireError.reservedHeaderByte(value)) { try decodeAll(bytes) }
        #expect(WireError.reservedHeaderByte(value).wireErrorCode == .badHeader)
    }

    @Test func headerFieldsAreBigEndian() throws {
        var buffer = ByteBuffer()
        FrameHeader(length: 0x0102_0304, type: 0x0506, flags: .response, requestID: 0x0708_090A).write(to: &buffer)
        #expect(buffer.bytes == [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x02, 0x00, 0x07, 0x08, 0x09, 0x0A])
        let parsed = try FrameHeader.read(from: &buffer)
        #expect(parsed == FrameHeader(length: 0x0102_0304, type: 0x0506, flags: .response, requestID: 0x0708_090A))
        #expect(buffer.readableBytes == 0)
    }

    /// Random bytes must yield frames or a typed WireError: never a crash, never a huge buffer.
    @Test(arguments: 0..<200 as Range<UInt64>)
    func garbageYieldsTypedErrorsOnly(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed &* 7919)
        let count = Int.random(in: 0...300, using: &rng)
        var bytes = rng.bytes(count)
        // Make some inputs get past the header checks, to exercise the payload paths.
        if seed % 3 == 0, bytes.count >= 12 {
            bytes[0] = 0; bytes[1] = 0
            bytes[6] &= 0x03
            bytes[7] = 0
        }
        let limits = WireLimits(maxFrameSize: 1024, maxDecompressedSize: 4096)
        do {
            let frames = try decodeAll(bytes, limits: limits)
            for frame in frames {
                #expect(frame.payload.readableBytes <= 4096)
                _ = try? MessageCodec.decode(frame)
            }
        } catch {
            // `error` is statically a WireError: decodeAll throws(WireError).
            #expect(!error.description.isEmpty)
        }
    }

    @Test func garbageThroughPipelineFailsTyped() throws {
        var rng = SeededRandom(seed: 99)
        for _ in 0..<50 {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
            do {
                try channel.writeInbound(ByteBuffer(bytes: rng.bytes(64)))
                _ = try channel.finish()
            } catch let error as WireError {
                #expect(error.isFatal || error.name == "malformedPayload")
            }
        }
    }
}

extension Frame {
    /// A copy with `flags` added (e.g. the `.compressed` a decoder reports).
    func withFlags(_ extra: FrameFlags) -> Frame {
        var copy = self
        copy.flags.formUnion(extra)
        return copy
    }
}
