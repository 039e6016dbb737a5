import DroverWire
import Foundation
import NIOCore
import SwiftProtobuf

/// The test vectors of Protocol/vectors/frames.json, built with the production encoder.
///
/// `VectorTests.committedFileMatchesCatalog` writes them to the file when `DROVER_WRITE_VECTORS` is set and
/// checks the committed file is up to date otherwise.
enum VectorCatalog {
    struct Vector {
        var name: String
        var description: String
        var bytes: [UInt8]
        var expectation: Expectation
    }

    enum Expectation {
        case frame(Envelope, flags: FrameFlags)
        case error(WireError)
    }

    static func all() throws -> [Vector] {
        try valid() + invalid()
    }

    private static func encoded(_ envelope: Envelope) throws -> (bytes: [UInt8], flags: FrameFlags) {
        let frame = try MessageCodec.frame(for: envelope)
        var out = ByteBuffer()
        try FrameEncoder.encode(frame, into: &out)
        let flags = FrameFlags(rawValue: out.getInteger(at: 6, as: UInt8.self)!)
        return (out.bytes, flags)
    }

    private static func valid(_ name: String, _ description: String, _ envelope: Envelope) throws -> Vector {
        let (bytes, flags) = try encoded(envelope)
        return Vector(name: name, description: description, bytes: bytes, expectation: .frame(envelope, flags: flags))
    }

    static func valid() throws -> [Vector] {
        let small = Fixtures.smallHostReport
        let large = Fixtures.largeHostReport
        let vectors = [
            try valid(
                "hello_request",
                "Agent's first frame: HELLO as request id 1, versions 1..1, capabilities zlib and command-progress.",
                .request(.hello(Fixtures.hello), id: 1)),
            try valid(
                "welcome_response",
                "Controller's answer to the HELLO: WELCOME with RESPONSE flag (0x02) echoing request id 1, version 1, the default limits and every sixth heartbeat a request.",
                .response(.welcome(Fixtures.welcome), to: 1)),
            try valid(
                "heartbeat_request",
                "Agent heartbeat as request id 3 (odd: agent-initiated).",
                .request(.heartbeat(Fixtures.heartbeat), id: 3)),
            try valid(
                "heartbeat_response",
                "Controller answers heartbeat request 3 with a HEARTBEAT RESPONSE echoing the sequence.",
                .response(.heartbeat(Fixtures.heartbeat), to: 3)),
            try valid(
                "error_too_many_in_flight",
                "Non-fatal ERROR TOO_MANY_IN_FLIGHT answering request 5, retry after 250 ms; the connection stays open.",
                .response(.error(Fixtures.tooManyInFlight), to: 5)),
            try valid(
                "error_unsupported_version",
                "Fatal ERROR UNSUPPORTED_VERSION answering the HELLO (request 1); the controller then closes the connection.",
                .response(.error(Fixtures.unsupportedVersion), to: 1)),
            try valid(
                "goodbye_one_way",
                "One-way GOODBYE (request id 0): graceful close, reconnect after 2000 ms.",
                .oneWay(.goodbye(Fixtures.goodbye))),
            try valid(
                "enroll_request",
                "ENROLL_REQUEST as request id 3 on an enrollment connection (after HELLO 1 / WELCOME): token, CSR (DER, truncated sample), labels (map entries in key order).",
                .request(.enrollRequest(Fixtures.enrollRequest), id: 3)),
            try valid(
                "enroll_response",
                "ENROLL_RESPONSE answering request 3: certificate and CA certificate (DER, truncated samples), host id, expiry.",
                .response(.enrollResponse(Fixtures.enrollResponse), to: 3)),
            try valid(
                "host_report_small_uncompressed",
                "One-way HOST_REPORT of a 4-core host with 2 mounts and 1 interface: below the 512-byte threshold, so not compressed.",
                .oneWay(.hostReport(small))),
            try valid(
                "host_report_large_compressed",
                "One-way HOST_REPORT of a 16-core host with 8 mounts and 3 interfaces: over 512 bytes, so flag 0x01 and the payload is u32 uncompressed length + zlib stream (level 6).",
                .oneWay(.hostReport(large))),
            try valid(
                "command_request",
                "Controller pushes COMMAND (kind NOOP) as request id 2 (even: controller-initiated), attempt 1, opaque payload 010203.",
                .request(.command(Fixtures.command), id: 2)),
            try valid(
                "command_swap_request",
                "Controller pushes COMMAND kind SWAP as request id 6: the payload is the SwapPayload of payloads.json's swap_docker_http_probe.",
                .request(.command(Fixtures.swapCommand), id: 6)),
            try valid(
                "command_ack_response",
                "Agent acknowledges command request 2: COMMAND_ACK ACCEPTED with RESPONSE flag.",
                .response(.commandAck(Fixtures.commandAck), to: 2)),
            try valid(
                "command_ack_duplicate_with_result",
                "Re-delivered command (request 4): COMMAND_ACK DUPLICATE carrying the first result.",
                .response(.commandAck(Fixtures.duplicateAck), to: 4)),
            try valid(
                "command_progress_one_way",
                "One-way COMMAND_PROGRESS: step health-check at 60 %.",
                .oneWay(.commandProgress(Fixtures.commandProgress))),
            try valid(
                "command_result_one_way",
                "One-way COMMAND_RESULT: SUCCEEDED with two details (map entries in key order).",
                .oneWay(.commandResult(Fixtures.commandResult))),
            try valid(
                "empty_payload_heartbeat",
                "HEARTBEAT request id 7 with a 0-byte payload: valid, all fields take their default values.",
                .request(.heartbeat(Drover_V1_Heartbeat()), id: 7)),
            try valid(
                "unknown_type_0x7f00",
                "Unknown message type 0x7F00 as request id 9 with a 5-byte payload: decodes fine; the receiver answers ERROR UNKNOWN_MESSAGE_TYPE and keeps the connection.",
                .request(.unknown(type: 0x7F00, payload: ByteBuffer(bytes: [0x0A, 0x03, 0x66, 0x6F, 0x6F])), id: 9)),
            try valid(
                "extension_type_0x8001_one_way",
                "Extension-range type 0x8001, one-way, empty payload: decodes; an implementation without the extension ignores it (no reply to id 0).",
                .oneWay(.unknown(type: 0x8001, payload: ByteBuffer()))),
            try valid(
                "heartbeat_one_way",
                "Agent heartbeat sent one-way (request id 0), as between two requests when WELCOME's heartbeat_request_every is above 1: a sign of life the controller does not answer.",
                .oneWay(.heartbeat(Fixtures.heartbeatBetweenRequests))),
        ]
        // Guard the compression expectations the descriptions state.
        precondition(!vectors[9].bytes.isEmpty)
        if case .frame(_, let flags) = vectors[9].expectation { precondition(!flags.contains(.compressed)) }
        if case .frame(_, let flags) = vectors[10].expectation { precondition(flags.contains(.compressed)) }
        return vectors
    }

    static func invalid() -> [Vector] {
        let heartbeatPayload = try! MessageCodec.encode(.heartbeat(Fixtures.heartbeat)).bytes
        let text = Array(String(repeating: "drover ", count: 143).utf8)  // 1001 bytes
        let stream = zlibStream(text)
        func compressed(declared: UInt32, stream: [UInt8]) -> [UInt8] {
            var payload = ByteBuffer()
            payload.writeInteger(declared)
            payload.writeBytes(stream)
            return rawFrame(length: UInt32(payload.readableBytes), type: 0x0020, flags: 0x01, requestID: 0, payload: payload.bytes)
        }
        var badChecksum = stream
        badChecksum[badChecksum.count - 1] ^= 0xFF
        let bomb = zlibStream([UInt8](repeating: 0, count: 1024))

        return [
            Vector(
                name: "frame_too_large",
                description: "Header announces 4194305 payload bytes (4 MiB + 1), over max_frame_size: rejected from the 12 header bytes alone, before any payload arrives. Fatal FRAME_TOO_LARGE.",
                bytes: rawFrame(length: 4_194_305, type: 0x0020, flags: 0, requestID: 0, payload: []),
                expectation: .error(.frameTooLarge(length: 4_194_305, limit: 4_194_304))),
            Vector(
                name: "truncated_mid_payload",
                description: "HEARTBEAT header announcing \(heartbeatPayload.count) payload bytes, but the stream ends (EOF) after 5 of them: truncated frame, the connection is lost.",
                bytes: rawFrame(length: UInt32(heartbeatPayload.count), type: 0x0004, flags: 0, requestID: 3, payload: Array(heartbeatPayload.prefix(5))),
                expectation: .error(.truncatedFrame(expected: 12 + heartbeatPayload.count, received: 17))),
            Vector(
                name: "truncated_mid_header",
                description: "The stream ends (EOF) after 7 header bytes.",
                bytes: Array(rawFrame(length: 0, type: 0x0004, flags: 0, requestID: 3, payload: []).prefix(7)),
                expectation: .error(.truncatedFrame(expected: 12, received: 7))),
            Vector(
                name: "reserved_flag_bit",
                description: "HEARTBEAT with flags 0x04, a reserved bit. Fatal BAD_FLAGS.",
                bytes: rawFrame(length: UInt32(heartbeatPayload.count), type: 0x0004, flags: 0x04, requestID: 3, payload: heartbeatPayload),
                expectation: .error(.reservedFlags(0x04))),
            Vector(
                name: "reserved_flag_high_bit_with_response",
                description: "HEARTBEAT with flags 0x82: RESPONSE plus reserved bit 0x80. Fatal BAD_FLAGS.",
                bytes: rawFrame(length: UInt32(heartbeatPayload.count), type: 0x0004, flags: 0x82, requestID: 3, payload: heartbeatPayload),
                expectation: .error(.reservedFlags(0x82))),
            Vector(
                name: "reserved_header_byte",
                description: "HEARTBEAT whose reserved header byte (offset 7) is 0x01. Fatal BAD_HEADER.",
                bytes: rawFrame(length: UInt32(heartbeatPayload.count), type: 0x0004, flags: 0, reserved: 0x01, requestID: 3, payload: heartbeatPayload),
                expectation: .error(.reservedHeaderByte(0x01))),
            Vector(
                name: "compressed_declared_over_limit",
                description: "Compressed HOST_REPORT declaring 67108864 (64 MiB) uncompressed bytes, over max_decompressed_size (16 MiB): rejected from the declared length before inflating (zip bomb). Fatal DECOMPRESSED_TOO_LARGE.",
                bytes: compressed(declared: 64 * 1024 * 1024, stream: bomb),
                expectation: .error(.decompressedTooLarge(declared: 64 * 1024 * 1024, limit: 16 * 1024 * 1024))),
            Vector(
                name: "compressed_corrupt_stream",
                description: "Compressed frame whose zlib stream has a wrong Adler-32 checksum (last byte flipped). Fatal DECOMPRESSION_FAILED.",
                bytes: compressed(declared: UInt32(text.count), stream: badChecksum),
                expectation: .error(.decompressionFailed(reason: "corrupt zlib stream (incorrect data check)"))),
            Vector(
                name: "compressed_not_zlib",
                description: "Compressed frame whose 'stream' is 8 bytes that are not a zlib header. Fatal DECOMPRESSION_FAILED.",
                bytes: compressed(declared: 1000, stream: [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01, 0x02, 0x03]),
                expectation: .error(.decompressionFailed(reason: "corrupt zlib stream (incorrect header check)"))),
            Vector(
                name: "compressed_inflates_beyond_declared",
                description: "Zlib stream of 1001 bytes declared as 100: the receiver stops after 100 (+1) bytes. Fatal DECOMPRESSION_FAILED.",
                bytes: compressed(declared: 100, stream: stream),
                expectation: .error(.decompressionFailed(reason: "stream inflates to more than the declared 100 bytes"))),
            Vector(
                name: "compressed_inflates_short_of_declared",
                description: "Zlib stream of 1001 bytes declared as 2000. Fatal DECOMPRESSION_FAILED.",
                bytes: compressed(declared: 2000, stream: stream),
                expectation: .error(.decompressionFailed(reason: "stream inflates to 1001 bytes, 2000 declared"))),
            Vector(
                name: "compressed_trailing_bytes",
                description: "Valid zlib stream followed by 2 extra bytes inside the frame. Fatal DECOMPRESSION_FAILED.",
                bytes: compressed(declared: UInt32(text.count), stream: stream + [0x00, 0x00]),
                expectation: .error(.decompressionFailed(reason: "2 bytes of trailing input after the zlib stream"))),
            Vector(
                name: "compressed_stream_truncated",
                description: "Zlib stream cut after 10 bytes (frame length matches the cut stream): the stream never ends. Fatal DECOMPRESSION_FAILED.",
                bytes: compressed(declared: UInt32(text.count), stream: Array(stream.prefix(10))),
                expectation: .error(.decompressionFailed(reason: "zlib stream is truncated (no end of stream)"))),
            Vector(
                name: "compressed_declared_zero",
                description: "Compressed frame declaring 0 uncompressed bytes: invalid. Fatal DECOMPRESSION_FAILED.",
                bytes: compressed(declared: 0, stream: zlibStream([])),
                expectation: .error(.decompressionFailed(reason: "declared uncompressed length is 0"))),
            Vector(
                name: "compressed_payload_too_short",
                description: "Compressed flag with a 2-byte payload, too short for the 4-byte uncompressed length. Fatal DECOMPRESSION_FAILED.",
                bytes: rawFrame(length: 2, type: 0x0020, flags: 0x01, requestID: 0, payload: [0x00, 0x10]),
                expectation: .error(.compressedPayloadTooShort(length: 2))),
            Vector(
                name: "malformed_protobuf_hello",
                description: "HELLO request id 1 whose payload 0a0561 is not valid protobuf (field 1 announces 5 bytes, 1 follows). The frame is fine; the message is MALFORMED_PAYLOAD (non-fatal within a session; as the opening HELLO it ends the opening exchange with a fatal PROTOCOL_VIOLATION).",
                bytes: rawFrame(length: 3, type: 0x0001, flags: 0, requestID: 1, payload: [0x0A, 0x05, 0x61]),
                expectation: .error(.malformedPayload(type: .hello, reason: "truncated"))),
        ]
    }
}
