import COpenSSL

/// CA-pin verification for enrolling clients: find the pinned certificate in the presented chain,
/// then verify the leaf against it alone (and the expected name, if any).
enum PinVerifier {
    static func verify(ssl: OpaquePointer, leaf: Certificate, pin: CAPin, serverHostname: String?) -> TLSError? {
        guard let chain = SSL_get_peer_cert_chain(ssl) else {
            return .pinMismatch(expected: pin.description, found: [])
        }
        var found: [String] = []
        var anchor: Certificate? = nil
        for index in 0..<drover_sk_X509_num(chain) {
            guard let x509 = drover_sk_X509_value(chain, index) else { continue }
            let certificate = Certificate(borrowing: x509)
            found.append(certificate.pin)
            if pin.matches(certificate) { anchor = certificate }
        }
        guard let anchor else { return .pinMismatch(expected: pin.description, found: found) }
        return verifyLeaf(leaf, anchor: anchor, untrusted: chain, serverHostname: serverHostname)
    }

    private static func verifyLeaf(
        _ leaf: Certificate,
        anchor: Certificate,
        untrusted: OpaquePointer,
        serverHostname: String?
    ) -> TLSError? {
        OpenSSLErrorQueue.clear()
        guard let store = X509_STORE_new() else { return .handshakeFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: "X509_STORE_new")) }
        defer { X509_STORE_free(store) }
        guard let storeContext = X509_STORE_CTX_new() else {
            return .handshakeFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: "X509_STORE_CTX_new"))
        }
        defer { X509_STORE_CTX_free(storeContext) }
        guard X509_STORE_add_cert(store, anchor.pointer) == 1,
            X509_STORE_CTX_init(storeContext, store, leaf.pointer, untrusted) == 1
        else { return .handshakeFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: "X509_STORE_CTX_init")) }
        if let serverHostname, let parameters = X509_STORE_CTX_get0_param(storeContext) {
            if IPAddressLiteral.isIP(serverHostname) {
                _ = X509_VERIFY_PARAM_set1_ip_asc(parameters, serverHostname)
            } else {
                _ = X509_VERIFY_PARAM_set1_host(parameters, serverHostname, 0)
            }
        }
        guard X509_verify_cert(storeContext) == 1 else {
            _ = OpenSSLErrorQueue.drain()
            let code = X509_STORE_CTX_get_error(storeContext)
            let text = String(cString: X509_verify_cert_error_string(Int(code)))
            if code == X509_V_ERR_HOSTNAME_MISMATCH || code == X509_V_ERR_IP_ADDRESS_MISMATCH {
                return .hostnameMismatch(text)
            }
            return .certificateVerificationFailed(text)
        }
        return nil
    }
}

/// Telling IP literals from DNS names without libc.
enum IPAddressLiteral {
    static func isIP(_ text: String) -> Bool {
        guard let octets = a2i_IPADDRESS(text) else {
            ERR_clear_error()  // a2i_IPADDRESS leaves nothing useful for non-IPs
            return false
        }
        ASN1_OCTET_STRING_free(octets)
        return true
    }
}
