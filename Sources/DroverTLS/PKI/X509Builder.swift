import COpenSSL

/// Building blocks for issuing certificates: names, serials, validity, extensions.
enum X509NameBuilder {
    /// Adds a UTF-8 CN entry to `name`.
    static func addCommonName(_ commonName: String, to name: OpaquePointer) throws(PKIError) {
        guard !commonName.isEmpty, !commonName.utf8.contains(0) else { throw PKIError.invalidName(commonName) }
        let bytes = Array(commonName.utf8)
        guard X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1
        else { throw PKIError.fromQueue("X509_NAME_add_entry_by_NID(CN)") }
    }
}

enum X509Builder {
    /// A fresh certificate with version 3, a 128-bit random serial and the given validity.
    static func newCertificate(notBefore: Int64, notAfter: Int64) throws(PKIError) -> OpaquePointer {
        guard notAfter > notBefore else { throw PKIError.invalidValidity(notBefore: notBefore, notAfter: notAfter) }
        guard let x509 = X509_new() else { throw PKIError.fromQueue("X509_new") }
        do throws(PKIError) {
            guard X509_set_version(x509, 2) == 1 else { throw PKIError.fromQueue("X509_set_version") }
            try setRandomSerial(x509)
            guard ASN1_TIME_set(X509_getm_notBefore(x509), time_t(notBefore)) != nil,
                ASN1_TIME_set(X509_getm_notAfter(x509), time_t(notAfter)) != nil
            else { throw PKIError.fromQueue("ASN1_TIME_set") }
            return x509
        } catch {
            X509_free(x509)
            throw error
        }
    }

    /// 128 random bits: unpredictable serials are what the CA/B Forum asks for (collision-proof).
    static func setRandomSerial(_ x509: OpaquePointer) throws(PKIError) {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { throw PKIError.fromQueue("RAND_bytes") }
        if bytes.allSatisfy({ $0 == 0 }) { bytes[15] = 1 }  // serial must be positive
        guard let bignum = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw PKIError.fromQueue("BN_bin2bn") }
        defer { BN_free(bignum) }
        guard let integer = BN_to_ASN1_INTEGER(bignum, nil) else { throw PKIError.fromQueue("BN_to_ASN1_INTEGER") }
        defer { ASN1_INTEGER_free(integer) }
        guard X509_set_serialNumber(x509, integer) == 1 else { throw PKIError.fromQueue("X509_set_serialNumber") }
    }

    /// Adds one extension from OpenSSL's config syntax (constant strings only, never user input).
    static func addExtension(
        _ nid: Int32,
        _ value: String,
        to x509: OpaquePointer,
        issuer: OpaquePointer
    ) throws(PKIError) {
        var context = X509V3_CTX()
        drover_X509V3_set_ctx_nodb(&context)
        X509V3_set_ctx(&context, issuer, x509, nil, nil, 0)
        guard let ext = X509V3_EXT_nconf_nid(nil, &context, nid, value) else {
            throw PKIError.fromQueue("X509V3_EXT_nconf_nid(\(value))")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(x509, ext, -1) == 1 else { throw PKIError.fromQueue("X509_add_ext") }
    }

    /// Adds subjectAltName built structurally (no string parsing, so names cannot inject syntax).
    static func addSubjectAltNames(dnsNames: [String], ipAddresses: [String], to x509: OpaquePointer) throws(PKIError) {
        guard !dnsNames.isEmpty || !ipAddresses.isEmpty else { return }
        guard let names = drover_sk_GENERAL_NAME_new_null() else { throw PKIError.fromQueue("sk_GENERAL_NAME_new_null") }
        defer { GENERAL_NAMES_free(names) }
        for dnsName in dnsNames {
            guard isValidDNSName(dnsName) else { throw PKIError.invalidName(dnsName) }
            guard let name = GENERAL_NAME_new() else { throw PKIError.fromQueue("GENERAL_NAME_new") }
            guard let ia5 = ASN1_IA5STRING_new() else {
                GENERAL_NAME_free(name)
                throw PKIError.fromQueue("ASN1_IA5STRING_new")
            }
            let bytes = Array(dnsName.utf8)
            _ = ASN1_STRING_set(ia5, bytes, Int32(bytes.count))
            GENERAL_NAME_set0_value(name, GEN_DNS, UnsafeMutableRawPointer(ia5))
            guard drover_sk_GENERAL_NAME_push(names, name) > 0 else {
                GENERAL_NAME_free(name)
                throw PKIError.fromQueue("sk_GENERAL_NAME_push")
            }
        }
        for address in ipAddresses {
            guard let octets = a2i_IPADDRESS(address) else {
                _ = OpenSSLErrorQueue.drain()
                throw PKIError.invalidIPAddress(address)
            }
            guard let name = GENERAL_NAME_new() else {
                ASN1_OCTET_STRING_free(octets)
                throw PKIError.fromQueue("GENERAL_NAME_new")
            }
            GENERAL_NAME_set0_value(name, GEN_IPADD, UnsafeMutableRawPointer(octets))
            guard drover_sk_GENERAL_NAME_push(names, name) > 0 else {
                GENERAL_NAME_free(name)
                throw PKIError.fromQueue("sk_GENERAL_NAME_push")
            }
        }
        guard X509_add1_ext_i2d(x509, NID_subject_alt_name, UnsafeMutableRawPointer(names), 0, UInt(X509V3_ADD_DEFAULT)) == 1
        else { throw PKIError.fromQueue("X509_add1_ext_i2d(subjectAltName)") }
    }

    /// LDH labels separated by dots, optionally a leading "*." wildcard.
    static func isValidDNSName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*" && labels.count > 1 { labels.removeFirst() }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63
                && label.utf8.allSatisfy { c in
                    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                        || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
                        || c == UInt8(ascii: "_")
                }
        }
    }
}
