import DroverWire
import Foundation
import SwiftProtobuf

/// Protocol/vectors/payloads.json: the payload messages carried inside `Command.payload`
/// (SwapPayload, WeightsPayload, ConfirmPayload) and the ServiceStatus of host reports, as
/// bytes and meaning.
enum PayloadVectors {
    struct Vector {
        var name: String
        var description: String
        /// The command kind whose payload this is (rendered as the enum value's name); `nil`
        /// for a message that is not a command payload (rendered as "").
        var kind: Drover_V1_CommandKind?
        var message: any SwiftProtobuf.Message
    }

    static var path: String {
        VectorFile.path.replacingOccurrences(of: "frames.json", with: "payloads.json")
    }

    static func catalog() -> [Vector] {
        var http = Drover_V1_HealthProbe()
        http.http.path = "/health"
        http.http.status = 200
        http.intervalMs = 5000
        http.timeoutMs = 2000
        http.healthyThreshold = 2
        http.unhealthyThreshold = 3
        http.startPeriodMs = 1000

        var swap = Drover_V1_SwapPayload()
        swap.rolloutID = "r-5f2c"
        swap.service = "web"
        swap.version = "v2"
        swap.engine = .docker
        swap.image = "ghcr.io/acme/web:v2"
        swap.env = ["LOG_LEVEL": "info", "MODE": "prod"]
        swap.containerPort = 8080
        swap.publicPort = 80
        swap.instances = 1
        swap.health = http
        swap.healthyDeadlineMs = 60000
        swap.drainTimeoutMs = 30000
        swap.stopGraceMs = 10000

        var tcp = Drover_V1_HealthProbe()
        tcp.tcp = Drover_V1_TcpProbe()
        tcp.intervalMs = 1000
        tcp.timeoutMs = 500
        tcp.healthyThreshold = 1
        tcp.unhealthyThreshold = 3
        var revert = Drover_V1_SwapPayload()
        revert.rolloutID = "r-5f2c"
        revert.service = "api"
        revert.version = "v1"
        revert.engine = .process
        revert.command = ["/usr/local/bin/api", "--port", "9000"]
        revert.containerPort = 9000
        revert.publicPort = 9090
        revert.instances = 2
        revert.health = tcp
        revert.healthyDeadlineMs = 30000
        revert.drainTimeoutMs = 5000
        revert.stopGraceMs = 5000
        revert.revert = true
        revert.proxyMode = .tcp

        var confirm = Drover_V1_ConfirmPayload()
        confirm.service = "web"
        confirm.version = "v2"

        var canary = swap
        canary.version = "v3"
        canary.image = "ghcr.io/acme/web:v3"
        canary.canary = true
        canary.canaryWeightBp = 2000
        canary.stickiness.source = .cookie
        canary.stickiness.name = "drover_web"
        canary.stickiness.allowlist = ["qa-team", "staff-42"]

        var weights = Drover_V1_WeightsPayload()
        weights.rolloutID = "r-5f2c"
        weights.service = "web"
        weights.canaryVersion = "v3"
        weights.canaryWeightBp = 5000

        var traffic = Drover_V1_VersionTraffic()
        traffic.version = "v3"
        traffic.requests = 1200
        traffic.errors = 3
        traffic.latencyCount = 1200
        traffic.latencySumUs = 1_512_000
        // Buckets 5 (exactly 5 µs), 32 (32 µs: 2^5 → (5-5+1)*32 + 0) and 192 (1,024–1,055 µs: 2^10 → (10-5+1)*32 + 0).
        traffic.latencyBucketIndex = [5, 32, 192]
        traffic.latencyBucketCount = [1, 199, 1000]
        var stableTraffic = Drover_V1_VersionTraffic()
        stableTraffic.version = "v2"
        stableTraffic.requests = 4800
        stableTraffic.latencyCount = 4800
        stableTraffic.latencySumUs = 4_900_000
        stableTraffic.latencyBucketIndex = [192, 193]
        stableTraffic.latencyBucketCount = [4000, 800]
        var status = Drover_V1_ServiceStatus()
        status.service = "web"
        status.version = "v2"
        status.previousVersion = "v1"
        status.instances = 1
        status.publicPort = 80
        status.canaryVersion = "v3"
        status.canaryWeightBp = 2000
        status.traffic = [stableTraffic, traffic]

        return [
            Vector(
                name: "swap_docker_http_probe",
                description:
                    "SWAP of service web to v2: docker image, two env vars (map entries in key order), container port 8080 behind public port 80, HTTP probe GET /health = 200 every 5 s.",
                kind: .swap, message: swap),
            Vector(
                name: "rollback_process_tcp_probe",
                description:
                    "ROLLBACK of service api to v1 with revert set: process engine, two instances, TCP probe every second, the proxy in TCP mode.",
                kind: .rollback, message: revert),
            Vector(
                name: "confirm_known_good",
                description: "CONFIRM: v2 of service web is the host's known-good version.",
                kind: .confirm, message: confirm),
            Vector(
                name: "swap_canary_sticky_cookie",
                description:
                    "SWAP with canary set: v3 of service web starts beside the serving version and gets 2,000 bp (20 %) of the traffic; clients stick by the cookie drover_web, and the cookie values qa-team and staff-42 always go to the canary.",
                kind: .swap, message: canary),
            Vector(
                name: "set_weights_canary_half",
                description:
                    "SET_WEIGHTS: the running canary v3 of service web gets 5,000 bp (50 %), the stable version the rest.",
                kind: .setWeights, message: weights),
            Vector(
                name: "service_status_canary_traffic",
                description:
                    "Not a command payload: a HostReport.services entry. web serves v2 (v1 kept), canary v3 at 2,000 bp; cumulative traffic per version with the non-zero latency buckets (index ascending).",
                kind: nil, message: status),
        ]
    }

    static func render(_ vectors: [Vector]) throws -> String {
        var options = JSONEncodingOptions()
        options.useDeterministicOrdering = true
        var serialize = BinaryEncodingOptions()
        serialize.useDeterministicOrdering = true
        var kindOptions = JSONEncodingOptions()
        kindOptions.alwaysPrintEnumsAsInts = false
        var out = "[\n"
        for (index, vector) in vectors.enumerated() {
            var kindName = ""
            if let kind = vector.kind {
                var command = Drover_V1_Command()
                command.kind = kind
                kindName = try Google_Protobuf_Struct(jsonString: command.jsonString(options: kindOptions)).fields[
                    "kind"]!
                    .stringValue
            }
            let bytes: [UInt8] = try vector.message.serializedBytes(options: serialize)
            out += "  {\n"
            out += "    \"name\": \"\(vector.name)\",\n"
            out += "    \"description\": \"\(vector.description)\",\n"
            out += "    \"kind\": \"\(kindName)\",\n"
            out += "    \"message_type\": \"\(type(of: vector.message).protoMessageName)\",\n"
            out += "    \"hex\": \"\(Hex.encode(bytes))\",\n"
            out += "    \"message\": \(try vector.message.jsonString(options: options))\n"
            out += index == vectors.count - 1 ? "  }\n" : "  },\n"
        }
        return out + "]\n"
    }

    /// One entry of the committed file.
    struct Entry {
        var name: String
        var kind: String
        var messageType: String
        var bytes: [UInt8]
        var json: String
    }

    static func load() throws -> [Entry] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let list = try Google_Protobuf_ListValue(jsonString: text)
        return try list.values.map { value in
            let fields = value.structValue.fields
            return Entry(
                name: fields["name"]?.stringValue ?? "",
                kind: fields["kind"]?.stringValue ?? "",
                messageType: fields["message_type"]?.stringValue ?? "",
                bytes: Hex.decode(fields["hex"]?.stringValue ?? "") ?? [],
                json: try fields["message"]?.jsonString() ?? "{}")
        }
    }
}
