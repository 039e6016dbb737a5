import DroverWire
import Foundation
import SwiftProtobuf
import Testing

/// Protocol/vectors/payloads.json: each payload's bytes decode to its stated meaning and the
/// meaning encodes (deterministically) to the same bytes.
@Suite struct PayloadVectorTests {
    @Test func payloadsDecodeToTheirMeaningAndReencodeExactly() throws {
        let entries = try PayloadVectors.load()
        #expect(
            Set(entries.map(\.name)) == [
                "swap_docker_http_probe", "rollback_process_tcp_probe", "confirm_known_good",
                "swap_canary_sticky_cookie",
                "set_weights_canary_half", "service_status_canary_traffic",
            ])
        var deterministic = BinaryEncodingOptions()
        deterministic.useDeterministicOrdering = true
        for entry in entries {
            switch entry.messageType {
            case Drover_V1_SwapPayload.protoMessageName:
                #expect(["COMMAND_KIND_SWAP", "COMMAND_KIND_ROLLBACK"].contains(entry.kind), "\(entry.name)")
                let decoded = try Drover_V1_SwapPayload(serializedBytes: entry.bytes)
                let meaning = try Drover_V1_SwapPayload(jsonString: entry.json)
                #expect(decoded == meaning, "\(entry.name)")
                #expect(decoded.revert == (entry.kind == "COMMAND_KIND_ROLLBACK"), "\(entry.name)")
                let bytes: [UInt8] = try meaning.serializedBytes(options: deterministic)
                #expect(bytes == entry.bytes, "\(entry.name)")
            case Drover_V1_ConfirmPayload.protoMessageName:
                #expect(entry.kind == "COMMAND_KIND_CONFIRM")
                let decoded = try Drover_V1_ConfirmPayload(serializedBytes: entry.bytes)
                #expect(decoded == (try Drover_V1_ConfirmPayload(jsonString: entry.json)), "\(entry.name)")
                let bytes: [UInt8] = try decoded.serializedBytes(options: deterministic)
                #expect(bytes == entry.bytes, "\(entry.name)")
            case Drover_V1_WeightsPayload.protoMessageName:
                #expect(entry.kind == "COMMAND_KIND_SET_WEIGHTS")
                let decoded = try Drover_V1_WeightsPayload(serializedBytes: entry.bytes)
                #expect(decoded == (try Drover_V1_WeightsPayload(jsonString: entry.json)), "\(entry.name)")
                #expect(decoded.canaryWeightBp <= 10_000, "\(entry.name)")
                let bytes: [UInt8] = try decoded.serializedBytes(options: deterministic)
                #expect(bytes == entry.bytes, "\(entry.name)")
            case Drover_V1_ServiceStatus.protoMessageName:
                #expect(entry.kind.isEmpty, "\(entry.name): not a command payload")
                let decoded = try Drover_V1_ServiceStatus(serializedBytes: entry.bytes)
                #expect(decoded == (try Drover_V1_ServiceStatus(jsonString: entry.json)), "\(entry.name)")
                for traffic in decoded.traffic {
                    #expect(traffic.latencyBucketIndex.count == traffic.latencyBucketCount.count, "\(entry.name)")
                    #expect(traffic.latencyBucketIndex == traffic.latencyBucketIndex.sorted(), "\(entry.name)")
                    #expect(traffic.latencyBucketCount.reduce(0, +) == traffic.latencyCount, "\(entry.name)")
                }
                let bytes: [UInt8] = try decoded.serializedBytes(options: deterministic)
                #expect(bytes == entry.bytes, "\(entry.name)")
            default:
                Issue.record("\(entry.name): unknown message type \(entry.messageType)")
            }
        }
    }

    /// The committed file is what the catalog generates; `DROVER_WRITE_VECTORS=1` rewrites it.
    @Test func committedPayloadFileMatchesCatalog() throws {
        let rendered = try PayloadVectors.render(PayloadVectors.catalog())
        if ProcessInfo.processInfo.environment["DROVER_WRITE_VECTORS"] != nil {
            try rendered.write(toFile: PayloadVectors.path, atomically: true, encoding: .utf8)
        }
        let committed = (try? String(contentsOfFile: PayloadVectors.path, encoding: .utf8)) ?? ""
        #expect(
            rendered == committed,
            "regenerate: DROVER_WRITE_VECTORS=1 swift test --filter committedPayloadFileMatchesCatalog")
    }
}
