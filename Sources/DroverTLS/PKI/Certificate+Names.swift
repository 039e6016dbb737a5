import COpenSSL

extension Certificate {
    /// The subject's common name (first CN entry), if any.
    public var subjectCommonName: String? {
        guard let name = X509_get_subject_name(pointer) else { return nil }
        return X509Names.commonName(of: name)
    }

    /// The dNSName entries of subjectAltName, in order.
    public var dnsNames: [String] {
        X509Names.subjectAltNames(of: pointer).compactMap {
            if case .dns(let name) = $0 { return name } else { return nil }
        }
    }

    /// The iPAddress entries of subjectAltName as text ("127.0.0.1", "::1"), in order.
    public var ipAddresses: [String] {
        X509Names.subjectAltNames(of: pointer).compactMap {
            if case .ip(let address) = $0 { return address } else { return nil }
        }
    }
}

/// Reading names out of X.509 structures.
enum X509Names {
    enum AltName {
        case dns(String)
        case ip(String)
    }

    static func commonName(of name: OpaquePointer) -> String? {
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
            let data = X509_NAME_ENTRY_get_data(entry)
        else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>? = nil
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else {
            _ = OpenSSLErrorQueue.drain()
            return nil
        }
        defer { drover_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    static func subjectAltNames(of x509: OpaquePointer) -> [AltName] {
        guard let names = drover_X509_get_subject_alt_names(x509) else {
            _ = OpenSSLErrorQueue.drain()  // "no extension" is not an error worth keeping
            return []
        }
        defer { GENERAL_NAMES_free(names) }
        var result: [AltName] = []
        for index in 0..<drover_sk_GENERAL_NAME_num(names) {
            guard let name = drover_sk_GENERAL_NAME_value(names, index) else { continue }
            var type: Int32 = 0
            guard let value = GENERAL_NAME_get0_value(name, &type) else { continue }
            let string = value.assumingMemoryBound(to: ASN1_STRING.self)
            let bytes = Self.bytes(of: string)
            switch type {
            case GEN_DNS: result.append(.dns(String(decoding: bytes, as: UTF8.self)))
            case GEN_IPADD: result.append(.ip(IPAddressText.format(bytes)))
            default: break
            }
        }
        return result
    }

    static func bytes(of string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let length = Int(ASN1_STRING_length(string))
        guard length > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }
}

/// Formats raw IP address bytes as text.
enum IPAddressText {
    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 {
            return bytes.map(String.init).joined(separator: ".")
        }
        guard bytes.count == 16 else { return Hex.encode(bytes) }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        // RFC 5952: compress the longest run (length ≥ 2) of zero groups with "::".
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > bestLength && end - index >= 2 {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
