import COpenSSL
import NIOCore

/// One `SSL` object over two memory BIOs: the OpenSSL half of `OpenSSLHandler`.
///
/// Pure byte shuffling and OpenSSL calls, no channel: the handler decides what to do with results.
/// Every call clears the error queue first and drains it on failure.
final class OpenSSLConnection {
    enum HandshakeResult {
        case complete
        case wantRead
        case failed(TLSError)
    }

    enum ReadResult {
        case bytesRead
        case wantRead
        case closeNotify
        case failed(TLSError)
    }

    enum ShutdownResult {
        /// Our close_notify is queued; the peer's has not arrived yet.
        case sent
        /// Both close_notify alerts have been exchanged.
        case complete
        case failed(TLSError)
    }

    let context: TLSContext
    let sessionCacheKey: String
    /// The `SSL*`; owns both BIOs and is freed exactly once, in deinit.
    private let ssl: OpaquePointer
    /// Ciphertext from the network goes in here (owned by `ssl`).
    private var rbio: OpaquePointer
    /// Ciphertext for the network comes out of here (owned by `ssl`).
    private var wbio: OpaquePointer
    private let serverHostname: String?
    /// Set by the verify callback when it refused a deny-listed leaf.
    private var deniedFingerprint: String?
    /// What the client offered, recorded by the server's ALPN callback for error messages.
    var peerOfferedALPN: [String]?

    init(context: TLSContext, serverHostname: String?) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        func failure(_ what: String) -> TLSError {
            .contextCreationFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: what))
        }
        guard let ssl = SSL_new(context.sslContext) else { throw failure("SSL_new") }
        guard let rbio = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw failure("BIO_new")
        }
        guard let wbio = BIO_new(BIO_s_mem()) else {
            BIO_free(rbio)
            SSL_free(ssl)
            throw failure("BIO_new")
        }
        // An empty rbio means "no data yet" (retry), never EOF: EOF comes from channelInactive.
        _ = drover_BIO_set_mem_eof_return(rbio, -1)
        SSL_set_bio(ssl, rbio, wbio)
        self.context = context
        self.ssl = ssl
        self.rbio = rbio
        self.wbio = wbio
        self.serverHostname = serverHostname
        self.sessionCacheKey = serverHostname ?? ""
        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
        if context.configuration.role == .client {
            try configureClient()
            SSL_set_connect_state(ssl)
        } else {
            SSL_set_accept_state(ssl)
        }
    }

    deinit {
        SSL_free(ssl)
    }

    private func configureClient() throws(TLSError) {
        if let serverHostname {
            if IPAddressLiteral.isIP(serverHostname) {
                // SNI must not carry IP literals; the IP is checked against iPAddress SANs instead.
                guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverHostname) == 1 else {
                    throw TLSError.invalidConfiguration("bad IP address \(serverHostname)")
                }
            } else {
                guard drover_SSL_set_tlsext_host_name(ssl, serverHostname) == 1,
                    SSL_set1_host(ssl, serverHostname) == 1
                else {
                    throw TLSError.invalidConfiguration("bad server name \(serverHostname)")
                }
            }
        }
        if let session = context.sessionCache?.session(for: sessionCacheKey) {
            _ = SSL_set_session(ssl, session.pointer)  // takes its own reference
        }
    }

    // MARK: - Bytes in and out

    /// Hands inbound ciphertext to OpenSSL (a copy into the memory BIO; it always accepts everything).
    func feed(_ buffer: ByteBuffer) -> TLSError? {
        buffer.withUnsafeReadableBytes { bytes -> TLSError? in
            var offset = 0
            while offset < bytes.count {
                let chunk = min(bytes.count - offset, Int(Int32.max))
                let written = BIO_write(rbio, bytes.baseAddress! + offset, Int32(chunk))
                guard written > 0 else {
                    return .connectionFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: "BIO_write failed"))
                }
                offset += Int(written)
            }
            return nil
        }
    }

    /// Ciphertext waiting to be sent.
    var pendingOutboundBytes: Int { Int(BIO_ctrl_pending(wbio)) }

    /// An upper bound on plaintext currently readable without more input (ciphertext ≥ plaintext).
    var readableBytesHint: Int { Int(BIO_ctrl_pending(rbio)) + Int(SSL_pending(ssl)) }

    /// Swaps in fresh memory BIOs for those with nothing pending. A memory BIO keeps the
    /// capacity of the most it ever held; after the handshake that is the certificate flights
    /// (about 3 KB for both), which a controller's 10,000 idle sessions would keep for nothing.
    /// Steady traffic (a report, a heartbeat) needs a few hundred bytes.
    func releaseHandshakeBuffers() {
        if BIO_ctrl_pending(rbio) == 0, let fresh = BIO_new(BIO_s_mem()) {
            _ = drover_BIO_set_mem_eof_return(fresh, -1)
            SSL_set0_rbio(ssl, fresh)  // frees the old one
            rbio = fresh
        }
        if BIO_ctrl_pending(wbio) == 0, let fresh = BIO_new(BIO_s_mem()) {
            SSL_set0_wbio(ssl, fresh)  // frees the old one
            wbio = fresh
        }
    }

    /// Moves all pending ciphertext into `buffer` in one copy.
    func drainOutbound(into buffer: inout ByteBuffer) {
        let pending = pendingOutboundBytes
        guard pending > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { out in
            Int(max(0, BIO_read(wbio, out.baseAddress, Int32(pending))))
        }
    }

    // MARK: - TLS operations

    func handshake() -> HandshakeResult {
        OpenSSLErrorQueue.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .complete }
        let error = SSL_get_error(ssl, rc)
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            _ = OpenSSLErrorQueue.drain()
            return .wantRead
        default:
            return .failed(classifyFailure(OpenSSLErrorQueue.drain(), duringHandshake: true))
        }
    }

    /// One SSL_read_ex into the writable space of `buffer` (which must have some).
    func read(into buffer: inout ByteBuffer) -> ReadResult {
        OpenSSLErrorQueue.clear()
        var rc: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { out in
            var count = 0
            rc = SSL_read_ex(ssl, out.baseAddress, out.count, &count)
            return rc == 1 ? count : 0
        }
        if rc == 1 { return .bytesRead }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            _ = OpenSSLErrorQueue.drain()
            return .wantRead
        case SSL_ERROR_ZERO_RETURN:
            _ = OpenSSLErrorQueue.drain()
            return .closeNotify
        default:
            return .failed(classifyFailure(OpenSSLErrorQueue.drain(), duringHandshake: false))
        }
    }

    /// Encrypts `bytes` (at most one record's worth per call keeps records ≤ 16 KiB).
    func write(_ bytes: UnsafeRawBufferPointer) -> TLSError? {
        guard !bytes.isEmpty else { return nil }
        OpenSSLErrorQueue.clear()
        var written = 0
        let rc = SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written)
        // Memory BIOs never block and partial writes are off, so success means everything was taken.
        guard rc == 1 else {
            _ = SSL_get_error(ssl, rc)
            return classifyFailure(OpenSSLErrorQueue.drain(), duringHandshake: false)
        }
        return nil
    }

    /// Queues our close_notify.
    func shutdown() -> ShutdownResult {
        OpenSSLErrorQueue.clear()
        let rc = SSL_shutdown(ssl)
        switch rc {
        case 1: return .complete
        case 0: return .sent
        default:
            let error = SSL_get_error(ssl, rc)
            let entries = OpenSSLErrorQueue.drain()
            if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return .sent }
            return .failed(classifyFailure(entries, duringHandshake: false))
        }
    }

    // MARK: - Verification

    func verifyCallback(preverifyOK: Int32, storeContext: OpaquePointer) -> Int32 {
        var ok = preverifyOK
        if case .caPin = context.configuration.peerVerification { ok = 1 }  // checked after the handshake
        guard ok == 1, X509_STORE_CTX_get_error_depth(storeContext) == 0,
            let denyList = context.configuration.denyList,
            let leaf = X509_STORE_CTX_get_current_cert(storeContext)
        else { return ok }
        let fingerprint = Certificate(borrowing: leaf).sha256Fingerprint
        guard denyList.contains(fingerprint: fingerprint) else { return ok }
        deniedFingerprint = fingerprint
        X509_STORE_CTX_set_error(storeContext, X509_V_ERR_CERT_REVOKED)
        return 0
    }

    /// Runs after every completed handshake (resumed ones too): deny list, pin, ALPN, peer info.
    func checkPeer() -> Result<TLSPeerInfo, TLSError> {
        let configuration = context.configuration
        let leaf = SSL_get0_peer_certificate(ssl).map { Certificate(borrowing: $0) }
        switch (configuration.role, configuration.peerVerification) {
        case (_, .none), (.server, .optionalClientCertificate):
            break
        default:
            if leaf == nil { return .failure(.noPeerCertificate) }
        }
        if let leaf, let denyList = configuration.denyList, denyList.contains(leaf) {
            return .failure(.peerDenied(fingerprint: leaf.sha256Fingerprint))
        }
        if case .caPin(let pin) = configuration.peerVerification, let leaf {
            if let error = PinVerifier.verify(ssl: ssl, leaf: leaf, pin: pin, serverHostname: serverHostname) {
                return .failure(error)
            }
        }
        var selected: UnsafePointer<UInt8>? = nil
        var selectedLength: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &selected, &selectedLength)
        let alpn = selected.map {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(selectedLength)), as: UTF8.self)
        }
        if !configuration.alpnProtocols.isEmpty && alpn == nil {
            let offered = configuration.role == .client ? configuration.alpnProtocols : (peerOfferedALPN ?? [])
            return .failure(.alpnMismatch(offered: offered))
        }
        let version = String(cString: SSL_get_version(ssl))
        let cipher = SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? ""
        return .success(
            TLSPeerInfo(
                certificate: leaf,
                alpnProtocol: alpn,
                tlsVersion: version,
                cipher: cipher,
                resumed: SSL_session_reused(ssl) == 1
            )
        )
    }

    // MARK: - Error classification

    private func classifyFailure(_ entries: [OpenSSLErrorEntry], duringHandshake: Bool) -> TLSError {
        let reasons = entries.isEmpty ? ["unknown error"] : entries.map(\.reasonString)
        for entry in entries where entry.library == ERR_LIB_SSL {
            // Received alerts are reported as reason SSL_AD_REASON_OFFSET + alert number.
            if entry.reason >= SSL_AD_REASON_OFFSET && entry.reason < SSL_AD_REASON_OFFSET + 256 {
                return .peerAlert(entry.reasonString)
            }
            switch entry.reason {
            case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
                return .noPeerCertificate
            case SSL_R_CERTIFICATE_VERIFY_FAILED:
                return verificationError()
            case SSL_R_NO_APPLICATION_PROTOCOL:
                return .alpnMismatch(offered: peerOfferedALPN ?? context.configuration.alpnProtocols)
            case SSL_R_WRONG_VERSION_NUMBER, SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST,
                SSL_R_PACKET_LENGTH_TOO_LONG, SSL_R_UNKNOWN_PROTOCOL, SSL_R_RECORD_LENGTH_MISMATCH:
                if duringHandshake { return .notTLS }
            case SSL_R_UNEXPECTED_EOF_WHILE_READING:
                return duringHandshake ? .unexpectedEOFDuringHandshake : .uncleanShutdown
            default:
                break
            }
        }
        return duringHandshake ? .handshakeFailed(reasons: reasons) : .connectionFailed(reasons: reasons)
    }

    private func verificationError() -> TLSError {
        if let deniedFingerprint { return .peerDenied(fingerprint: deniedFingerprint) }
        let result = Int32(truncatingIfNeeded: SSL_get_verify_result(ssl))
        let text = String(cString: X509_verify_cert_error_string(Int(result)))
        switch result {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return .hostnameMismatch(text)
        default:
            return .certificateVerificationFailed(text)
        }
    }
}
