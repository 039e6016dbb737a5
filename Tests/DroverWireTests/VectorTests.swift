import DroverWire
import Foundation
import NIOCore
import NIOEmbedded
import SwiftProtobuf
import Testing

/// Protocol/vectors/frames.json: every vector decodes to its stated meaning and every
/// valid vector re-encodes byte for byte.
@Suite struct VectorTests {
    @Test func fileHasTheRequiredVectors() throws {
        let names = Set(try VectorFile.load().map(\.name))
        for required in [
            "hello_request", "welcome_response", "heartbeat_request", "error_too_many_in_flight",
            "host_report_large_compressed", "host_report_small_uncompressed", "command_request",
            "command_result_one_way", "unknown_type_0x7f00", "empty_payload_heartbeat", "frame_too_large",
            "truncated_mid_payload", "reserved_flag_bit", "reserved_header_byte",
            "compressed_declared_over_limit", "compressed_corrupt_stream", "malformed_protobuf_hello",
        ] {
            #expect(names.contains(required), "missing vector \(required)")
        }
        #expect(names.count == (try VectorFile.load().count), "vector names must be unique")
    }

    @Test func validVectorsDecodeToTheirMeaningAndReencodeExactly() throws {
        let entries = try VectorFile.load().filter { $0.expect != nil }
        #expect(entries.count >= 19)
        for entry in entries {
            let expect = try #require(entry.expect)
            let frames = try decodeAll(entry.bytes)
            try #require(frames.count == 1, "\(entry.name): expected one frame")
            let frame = frames[0]
            #expect(frame.type.rawValue == UInt16(expect["type"]?.numberValue ?? -1), "\(entry.name)")
            #expect(frame.flags.rawValue == UInt8(expect["flags"]?.numberValue ?? -1), "\(entry.name)")
            #expect(frame.requestID == UInt32(expect["request_id"]?.numberValue ?? -1), "\(entry.name)")

            let message = try MessageCodec.decode(frame)
            #expect(message == (try VectorFile.expectedMessage(expect)), "\(entry.name)")

            // Frame level: the decoded frame re-encodes to the same bytes.
            var reencoded = ByteBuffer()
            try FrameEncoder.encode(frame, into: &reencoded)
            #expect(Hex.encode(reencoded.bytes) == Hex.encode(entry.bytes), "\(entry.name): frame re-encoding differs")

            // Message level: the expected meaning encodes to the same bytes.
            let envelope = Envelope(message: try VectorFile.expectedMessage(expect), requestID: frame.requestID, isResponse: frame.isResponse)
            let fromMeaning = try encodeFrames([try MessageCodec.frame(for: envelope)])
            #expect(Hex.encode(fromMeaning.bytes) == Hex.encode(entry.bytes), "\(entry.name): message encoding differs")
        }
    }

    @Test func invalidVectorsFailWithTheirTypedError() throws {
        let entries = try VectorFile.load().filter { $0.errorName != nil }
        #expect(entries.count >= 12)
        for entry in entries {
            do {
                let frames = try decodeAll(entry.bytes)
                for frame in frames { _ = try MessageCodec.decode(frame) }
                Issue.record("\(entry.name): decoded without error")
            } catch {
                #expect(error.name == entry.errorName, "\(entry.name): got \(error)")
                #expect(error.wireErrorCode == entry.errorCode, "\(entry.name): got \(error.wireErrorCode)")
            }
        }
    }

    /// The same vectors through a real pipeline: ByteToMessageHandler in an EmbeddedChannel.
    @Test func vectorsThroughEmbeddedChannel() throws {
        for entry in try VectorFile.load() {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
            var thrown: (any Error)?
            do {
                try channel.writeInbound(ByteBuffer(bytes: entry.bytes))
                _ = try channel.finish()
            } catch {
                thrown = error
            }
            let frame = try channel.readInbound(as: Frame.self)
            if let expect = entry.expect {
                #expect(thrown == nil, "\(entry.name): \(String(describing: thrown))")
                let decoded = try #require(frame, "\(entry.name)")
                #expect(try MessageCodec.decode(decoded) == (try VectorFile.expectedMessage(expect)), "\(entry.name)")
            } else if entry.errorName == "malformedPayload" {
                // Framing is valid; the message layer rejects it.
                let decoded = try #require(frame)
                #expect(throws: WireError.self) { try MessageCodec.decode(decoded) }
            } else {
                let error = try #require(thrown as? WireError, "\(entry.name): \(String(describing: thrown))")
                #expect(error.name == entry.errorName, "\(entry.name)")
                #expect(frame == nil)
            }
        }
    }

    /// The committed file is what the catalog generates (so fixtures and file agree).
    /// With `DROVER_WRITE_VECTORS=1` the test first rewrites the file from the catalog.
    @Test func committedFileMatchesCatalog() throws {
        let rendered = try VectorFile.render(try VectorCatalog.all())
        if ProcessInfo.processInfo.environment["DROVER_WRITE_VECTORS"] != nil {
            try rendered.write(toFile: VectorFile.path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: VectorFile.path, encoding: .utf8)
        #expect(rendered == committed, "regenerate: DROVER_WRITE_VECTORS=1 swift test --filter committedFileMatchesCatalog")
    }

    /// The catalog's typed errors are exactly what the decoder throws (including reasons).
    @Test func catalogErrorsMatchExactly() throws {
        for vector in VectorCatalog.invalid() {
            guard case .error(let expected) = vector.expectation else { continue }
            do {
                for frame in try decodeAll(vector.bytes) { _ = try MessageCodec.decode(frame) }
                Issue.record("\(vector.name): no error")
            } catch {
                if case .malformedPayload(let type, _) = expected {
                    guard case .malformedPayload(type, _) = error else {
                        Issue.record("\(vector.name): got \(error)")
                        continue
                    }
                } else {
                    #expect(error == expected, "\(vector.name)")
                }
            }
        }
    }
}
