import FoundationEssentials

extension DockerEngine {
    static func encode(_ value: some Encodable) throws(ContainerEngineError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw .invalidSpec("cannot encode the request: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from answer: HTTPAnswer) throws(ContainerEngineError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(answer.body))
        } catch {
            throw .api(status: answer.status, message: "unexpected answer: \(error)")
        }
    }

    /// The API's `message`, or the body as text.
    static func message(in body: [UInt8]) -> String {
        if let decoded = try? JSONDecoder().decode(DockerAPI.ErrorMessage.self, from: Data(body)) {
            return decoded.message
        }
        return String(decoding: body.prefix(500), as: UTF8.self)
    }

    /// Maps an error answer to a typed error carrying the API's message.
    static func error(_ answer: HTTPAnswer) -> ContainerEngineError {
        let message = message(in: answer.body)
        switch answer.status {
        case 404:
            // The same status means a missing image (create) or a missing container (everything else).
            return message.lowercased().contains("image") && !message.lowercased().contains("container")
                ? .noSuchImage(message) : .noSuchInstance(message)
        case 409: return .conflict(message)
        // Podman answers a taken name with 500 where Docker says 409.
        case 500 where message.contains("already in use"): return .conflict(message)
        default: return .api(status: answer.status, message: message)
        }
    }

    /// The first error in a pull's progress stream (one JSON object per line), if any.
    static func pullFailure(in body: [UInt8]) -> String? {
        for line in body.split(separator: UInt8(ascii: "\n")) {
            guard let progress = try? JSONDecoder().decode(DockerAPI.PullProgress.self, from: Data(line)) else {
                continue
            }
            if let message = progress.errorDetail?.message ?? progress.error { return message }
        }
        return nil
    }

    /// The first published host port in a port map (`"8080/tcp": [{"HostPort": "18080"}]`);
    /// a binding whose port is not a number in 1...65535 is skipped.
    static func firstHostPort(_ ports: [String: [DockerAPI.PortBinding]?]) -> Int? {
        for key in ports.keys.sorted() {
            for binding in (ports[key] ?? nil) ?? [] {
                if let text = binding.HostPort, let port = Int(text), (1...65_535).contains(port) { return port }
            }
        }
        return nil
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters (for paths and query values).
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return result
    }
}
