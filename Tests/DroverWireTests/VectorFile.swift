import DroverWire
import Foundation
import NIOCore
import SwiftProtobuf

/// Reads and writes Protocol/vectors/frames.json.
enum VectorFile {
    /// Protocol/vectors/frames.json, found from this source file's path.
    static var path: String {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocol/vectors/frames.json").path
    }

    /// One vector as read from the file.
    struct Entry {
        var name: String
        var bytes: [UInt8]
        var expect: [String: Google_Protobuf_Value]?
        var errorName: String?
        var errorCode: Drover_V1_ErrorCode?
    }

    static func load() throws -> [Entry] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let list = try Google_Protobuf_ListValue(jsonString: text)
        return try list.values.map { value in
            let fields = value.structValue.fields
            guard let bytes = Hex.decode(fields["hex"]?.stringValue ?? "") else {
                throw VectorFileError.badHex(fields["name"]?.stringValue ?? "?")
            }
            var code: Drover_V1_ErrorCode?
            if let codeName = fields["error_code"]?.stringValue {
                code = try Drover_V1_Error(jsonString: #"{"code":"\#(codeName)"}"#).code
            }
            return Entry(
                name: fields["name"]?.stringValue ?? "",
                bytes: bytes,
                expect: fields["expect"].map { $0.structValue.fields },
                errorName: fields["error"]?.stringValue,
                errorCode: code)
        }
    }

    /// The expected message of an `expect` object.
    static func expectedMessage(_ expect: [String: Google_Protobuf_Value]) throws -> DroverMessage {
        let type = MessageType(UInt16(expect["type"]?.numberValue ?? -1))
        if let payloadHex = expect["payload_hex"]?.stringValue {
            return .unknown(type: type, payload: ByteBuffer(bytes: Hex.decode(payloadHex) ?? []))
        }
        let json = try expect["message"]?.jsonString() ?? "{}"
        switch type {
        case .hello: return .hello(try .init(jsonString: json))
        case .welcome: return .welcome(try .init(jsonString: json))
        case .error: return .error(try .init(jsonString: json))
        case .heartbeat: return .heartbeat(try .init(jsonString: json))
        case .goodbye: return .goodbye(try .init(jsonString: json))
        case .enrollRequest: return .enrollRequest(try .init(jsonString: json))
        case .enrollResponse: return .enrollResponse(try .init(jsonString: json))
        case .hostReport: return .hostReport(try .init(jsonString: json))
        case .command: return .command(try .init(jsonString: json))
        case .commandAck: return .commandAck(try .init(jsonString: json))
        case .commandProgress: return .commandProgress(try .init(jsonString: json))
        case .commandResult: return .commandResult(try .init(jsonString: json))
        default: throw VectorFileError.noMessageForType(type)
        }
    }

    /// Renders the catalog as the JSON file's text.
    static func render(_ vectors: [VectorCatalog.Vector]) throws -> String {
        var options = JSONEncodingOptions()
        options.useDeterministicOrdering = true
        var out = "[\n"
        for (index, vector) in vectors.enumerated() {
            out += "  {\n"
            out += "    \"name\": \(quote(vector.name)),\n"
            out += "    \"description\": \(quote(vector.description)),\n"
            out += "    \"hex\": \(quote(Hex.encode(vector.bytes))),\n"
            switch vector.expectation {
            case .frame(let envelope, let flags):
                let type = envelope.message.messageType
                var fields = [
                    "\"type\": \(type.rawValue)",
                    "\"type_name\": \(quote(type.name ?? "UNKNOWN"))",
                    "\"flags\": \(flags.rawValue)",
                    "\"request_id\": \(envelope.requestID)",
                ]
                if case .unknown(_, let payload) = envelope.message {
                    fields.append("\"payload_hex\": \(quote(Hex.encode(payload.bytes)))")
                } else {
                    fields.append("\"message\": \(try messageJSON(envelope.message, options: options))")
                }
                out += "    \"expect\": {\n      " + fields.joined(separator: ",\n      ") + "\n    }\n"
            case .error(let error):
                var code = Drover_V1_Error()
                code.code = error.wireErrorCode
                let codeJSON = try Google_Protobuf_Struct(jsonString: code.jsonString()).fields["code"]!.stringValue
                out += "    \"error\": \(quote(error.name)),\n"
                out += "    \"error_code\": \(quote(codeJSON)),\n"
                out += "    \"fatal\": \(error.isFatal),\n"
                out += "    \"error_detail\": \(quote(error.description))\n"
            }
            out += index == vectors.count - 1 ? "  }\n" : "  },\n"
        }
        return out + "]\n"
    }

    private static func messageJSON(_ message: DroverMessage, options: JSONEncodingOptions) throws -> String {
        switch message {
        case .hello(let m): try m.jsonString(options: options)
        case .welcome(let m): try m.jsonString(options: options)
        case .error(let m): try m.jsonString(options: options)
        case .heartbeat(let m): try m.jsonString(options: options)
        case .goodbye(let m): try m.jsonString(options: options)
        case .enrollRequest(let m): try m.jsonString(options: options)
        case .enrollResponse(let m): try m.jsonString(options: options)
        case .hostReport(let m): try m.jsonString(options: options)
        case .command(let m): try m.jsonString(options: options)
        case .commandAck(let m): try m.jsonString(options: options)
        case .commandProgress(let m): try m.jsonString(options: options)
        case .commandResult(let m): try m.jsonString(options: options)
        case .unknown: "null"
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

enum VectorFileError: Error {
    case badHex(String)
    case noMessageForType(MessageType)
}
