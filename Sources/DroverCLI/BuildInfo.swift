import DroverTLS
import DroverWire

/// What this binary is: software, protocol and linked TLS library versions.
struct BuildInfo {
    var software: String
    var protocolVersion: UInt32
    var alpn: String
    var tlsLibrary: String

    static var current: BuildInfo {
        BuildInfo(
            software: DroverVersion.software,
            protocolVersion: DroverVersion.protocolVersion,
            alpn: DroverVersion.alpn,
            tlsLibrary: OpenSSLLibrary.versionString
        )
    }

    /// A one-line JSON object; every value is a plain string or number, so no escaping is needed
    /// beyond what `jsonString` does.
    var json: String {
        "{\"software\":\(jsonString(software)),\"protocol_version\":\(protocolVersion),"
            + "\"alpn\":\(jsonString(alpn)),\"tls_library\":\(jsonString(tlsLibrary))}"
    }
}

/// Encodes a string as a JSON string literal.
func jsonString(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
