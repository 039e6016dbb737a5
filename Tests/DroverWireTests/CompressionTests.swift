import DroverTestSupport
import DroverWire
import NIOCore
import Testing

@Suite struct CompressionTests {
    /// Frames of random and compressible payloads around the threshold survive the round trip.
    @Test(arguments: [0, 1, 4, 5, 100, 510, 511, 512, 513, 600, 4096, 70_000, 1_000_000])
    func roundTrip(size: Int) throws {
        var rng = SeededRandom(seed: UInt64(size))
        let random = rng.bytes(size)
        let compressible = (0..<size).map { UInt8(truncatingIfNeeded: ($0 / 16) % 7) }
        for payload in [random, compressible] {
            let frame = Frame(type: .hostReport, requestID: 5, payload: ByteBuffer(bytes: payload))
            let wire = try encodeFrames([frame])
            let flags = FrameFlags(rawValue: wire.getInteger(at: 6, as: UInt8.self)!)
            let decoded = try decodeAll(wire.bytes)
            #expect(decoded.count == 1)
            #expect(decoded.first?.payload.bytes == payload)
            #expect(decoded.first?.requestID == 5)
            if flags.contains(.compressed) {
                #expect(size >= 512)
                #expect(wire.readableBytes < 12 + size, "compressed only if smaller")
            }
            if payload == compressible && size >= 512 {
                #expect(flags.contains(.compressed), "compressible payload of \(size) bytes not compressed")
            }
            if size < 512 {
                #expect(!flags.contains(.compressed))
                #expect(wire.readableBytes == 12 + size)
            }
        }
    }

    @Test func randomPayloadIsSentUncompressed() throws {
        var rng = SeededRandom(seed: 5)
        let payload = rng.bytes(4096)  // incompressible: zlib output is larger
        let wire = try encodeFrames([Frame(type: .command, requestID: 2, payload: ByteBuffer(bytes: payload))])
        #expect(wire.getInteger(at: 6, as: UInt8.self) == 0)
        #expect(wire.readableBytes == 12 + 4096)
    }

    @Test func compressionCanBeDisabled() throws {
        let payload = [UInt8](repeating: 0x41, count: 10_000)
        let frame = Frame(type: .hostReport, payload: ByteBuffer(bytes: payload))
        let off = try encodeFrames([frame], compress: false)
        #expect(off.getInteger(at: 6, as: UInt8.self) == 0)
        #expect(off.readableBytes == 10_012)
        let on = try encodeFrames([frame])
        #expect(on.getInteger(at: 6, as: UInt8.self) == 0x01)
        #expect(on.getInteger(at: 12, as: UInt32.self) == 10_000)
        #expect(on.readableBytes < 200)
    }

    @Test func compressedPayloadLayoutIsLengthThenZlib() throws {
        let payload = [UInt8](repeating: 0x41, count: 1000)
        let wire = try encodeFrames([Frame(type: .hostReport, payload: ByteBuffer(bytes: payload))])
        let length = Int(wire.getInteger(at: 0, as: UInt32.self)!)
        #expect(wire.readableBytes == 12 + length)
        #expect(wire.getInteger(at: 12, as: UInt32.self) == 1000)
        // RFC 1950 header: CMF 0x78 (deflate, 32 KiB window), FLG 0x9C (level 6 default).
        #expect(wire.getBytes(at: 16, length: 2) == [0x78, 0x9C])
        #expect(Array(wire.bytes[16...]) == zlibStream(payload))
    }

    @Test func compressionIsDeterministic() throws {
        let frame = try MessageCodec.frame(for: .oneWay(.hostReport(Fixtures.largeHostReport)))
        #expect(try encodeFrames([frame]) == (try encodeFrames([frame])))
    }

    @Test func encoderRefusesFramesThePeerWouldReject() throws {
        var rng = SeededRandom(seed: 8)
        let limits = WireLimits(maxFrameSize: 1000, maxDecompressedSize: 2000)
        let incompressible = Frame(type: .hostReport, payload: ByteBuffer(bytes: rng.bytes(1001)))
        var out = ByteBuffer()
        #expect(throws: WireError.frameTooLarge(length: 1001, limit: 1000)) {
            try FrameEncoder.encode(incompressible, into: &out, limits: limits)
        }
        #expect(out.readableBytes == 0, "nothing written on failure")
        // Compressible but over the peer's decompressed limit: not compressed, so too large.
        let big = Frame(type: .hostReport, payload: ByteBuffer(repeating: 0, count: 3000))
        #expect(throws: WireError.frameTooLarge(length: 3000, limit: 1000)) {
            try FrameEncoder.encode(big, into: &out, limits: limits)
        }
        // Compressible and within limits: compression makes it fit.
        let fits = Frame(type: .hostReport, payload: ByteBuffer(repeating: 0, count: 1500))
        try FrameEncoder.encode(fits, into: &out, limits: limits)
        #expect(try decodeAll(out.bytes, limits: limits).first?.payload.readableBytes == 1500)
    }

    /// 64 MiB of zeros declared honestly as 64 MiB: rejected on the declaration, before inflating.
    @Test func zipBombDeclaredHonestlyRejectedBeforeInflating() throws {
        let stream = Self.zerosStream
        var payload = ByteBuffer()
        payload.writeInteger(UInt32(64 * 1024 * 1024))
        payload.writeBytes(stream)
        let header = rawFrame(length: UInt32(payload.readableBytes), type: 0x0020, flags: 0x01, requestID: 0, payload: [])
        // The header plus the 4-byte declaration suffice: the stream itself is never awaited.
        var decoder = FrameDecoder()
        var partial = ByteBuffer(bytes: header + payload.bytes.prefix(4))
        #expect(throws: WireError.decompressedTooLarge(declared: 64 * 1024 * 1024, limit: 16 * 1024 * 1024)) {
            try decoder.decode(buffer: &partial)
        }
        #expect(throws: WireError.decompressedTooLarge(declared: 64 * 1024 * 1024, limit: 16 * 1024 * 1024)) {
            try decodeAll(header + payload.bytes)
        }
    }

    /// The same stream declared as 1 KiB: inflating stops after 1 KiB (+1 byte).
    @Test func zipBombDeclaredSmallRejectedAtDeclaredSize() throws {
        let stream = Self.zerosStream
        var payload = ByteBuffer()
        payload.writeInteger(UInt32(1024))
        payload.writeBytes(stream)
        let frame = rawFrame(length: UInt32(payload.readableBytes), type: 0x0020, flags: 0x01, requestID: 0, payload: payload.bytes)
        #expect(throws: WireError.decompressionFailed(reason: "stream inflates to more than the declared 1024 bytes")) {
            try decodeAll(frame)
        }
        // Directly: the output buffer is never bigger than the declared size.
        #expect(throws: WireError.decompressionFailed(reason: "stream inflates to more than the declared 1024 bytes")) {
            try Zlib.decompress(ByteBuffer(bytes: stream), exactLength: 1024)
        }
    }

    @Test func zlibStreamOfSixtyFourMiBIsSmall() {
        #expect(Self.zerosStream.count < 100_000)
        #expect(Self.zerosStream.count > 1000)
    }

    @Test func decompressRequiresExactLength() throws {
        let data = Array("drover drover drover drover".utf8)
        let stream = zlibStream(data)
        #expect(try Zlib.decompress(ByteBuffer(bytes: stream), exactLength: data.count).bytes == data)
        #expect(throws: WireError.decompressionFailed(reason: "stream inflates to \(data.count) bytes, \(data.count + 1) declared")) {
            try Zlib.decompress(ByteBuffer(bytes: stream), exactLength: data.count + 1)
        }
        #expect(throws: WireError.decompressionFailed(reason: "stream inflates to more than the declared \(data.count - 1) bytes")) {
            try Zlib.decompress(ByteBuffer(bytes: stream), exactLength: data.count - 1)
        }
        #expect(throws: WireError.decompressionFailed(reason: "1 bytes of trailing input after the zlib stream")) {
            try Zlib.decompress(ByteBuffer(bytes: stream + [0]), exactLength: data.count)
        }
        #expect(throws: WireError.decompressionFailed(reason: "empty zlib stream")) {
            try Zlib.decompress(ByteBuffer(), exactLength: 1)
        }
    }

    @Test func compressedFrameHeaderChecks() throws {
        #expect(throws: WireError.compressedPayloadTooShort(length: 3)) {
            try decodeAll(rawFrame(length: 3, type: 0x0020, flags: 0x01, requestID: 0, payload: [0, 0, 1]))
        }
        #expect(throws: WireError.decompressionFailed(reason: "declared uncompressed length is 0")) {
            try decodeAll(rawFrame(length: 4, type: 0x0020, flags: 0x01, requestID: 0, payload: [0, 0, 0, 0]))
        }
        // Declaration exactly at a custom limit is allowed; one more is not.
        let limits = WireLimits(maxDecompressedSize: 1000)
        let atLimit = [UInt8](repeating: 9, count: 1000)
        var payload = ByteBuffer()
        payload.writeInteger(UInt32(1000))
        payload.writeBytes(zlibStream(atLimit))
        let frame = rawFrame(length: UInt32(payload.readableBytes), type: 0x0020, flags: 0x01, requestID: 0, payload: payload.bytes)
        #expect(try decodeAll(frame, limits: limits).first?.payload.bytes == atLimit)
        #expect(throws: WireError.decompressedTooLarge(declared: 1000, limit: 999)) {
            try decodeAll(frame, limits: WireLimits(maxDecompressedSize: 999))
        }
    }

    /// zlib stream of 64 MiB of zeros, built once.
    static let zerosStream: [UInt8] = {
        let zeros = ByteBuffer(repeating: 0, count: 64 * 1024 * 1024)
        return Zlib.compress(zeros)!.bytes
    }()
}
