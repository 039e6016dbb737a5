import DroverWire
import Foundation
import SwiftProtobuf

/// Protocol/vectors/payloads.json: the payload messages carried inside `Command.payload`
/// (SwapPayload, ConfirmPayload), as bytes and meaning.
enum PayloadVectors {
    struct Vector {
        var name: String
        var description: String
        /// The command kind whose payload this is, as the enum value's name.
        var kind: Drover_V1_CommandKind
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

        return [
            Vector(
                name: "swap_docker_http_probe",
                description: "SWAP of service web to v2: docker image, two env vars (map entries in key order), container port 8080 behind public port 80, HTTP probe GET /health = 200 every 5 s.",
                kind: .swap, message: swap),
            Vector(
                name: "rollback_process_tcp_probe",
                description: "ROLLBACK of service api to v1 with revert set: process engine, two instances, TCP probe every second, the proxy in TCP mode.",
                kind: .rollback, message: revert),
            Vector(
                name: "confirm_known_good",
                description: "CONFIRM: v2 of service web is the host's known-good version.",
                kind: .confirm, message: confirm),
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
            var command = Drover_V1_Command()
            command.kind = vector.kind
            let kindName = try Google_Protobuf_Struct(jsonString: command.jsonString(options: kindOptions)).fields["kind"]!.stringValue
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
