import COpenSSL
import NIOCore

/// One `SSL_CTX` per role, built once from a `TLSConfiguration` and shared by every connection.
///
/// Immutable after init (the deny list and session cache are themselves thread-safe), so it is
/// safe to share across event loops.
public final class TLSContext: @unchecked Sendable {
    /// The configuration this context was built from.
    public let configuration: TLSConfiguration
    /// Client contexts cache sessions per server name for resumption; nil for servers.
    public let sessionCache: TLSClientSessionCache?
    /// The `SSL_CTX*`; owned.
    let sslContext: OpaquePointer
    /// ALPN list in wire format; a stable allocation because the select callback points into it.
    let alpnWire: UnsafeMutableBufferPointer<UInt8>

    /// Builds the `SSL_CTX`. Throws `TLSError.invalidConfiguration` or `.contextCreationFailed`.
    public init(configuration: TLSConfiguration) throws(TLSError) {
        try Self.validate(configuration)
        OpenSSLErrorQueue.clear()
        let method = configuration.role == .client ? TLS_client_method() : TLS_server_method()
        guard let sslContext = SSL_CTX_new(method) else {
            throw TLSError.contextCreationFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: "SSL_CTX_new"))
        }
        let wire = Self.alpnWireFormat(configuration.alpnProtocols)
        let alpnWire = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(wire.count, 1))
        _ = alpnWire.initialize(from: wire)
        self.configuration = configuration
        self.sslContext = sslContext
        self.alpnWire = UnsafeMutableBufferPointer(rebasing: alpnWire[0..<wire.count])
        self.sessionCache = configuration.role == .client ? TLSClientSessionCache() : nil
        // From here on deinit frees sslContext and alpnWire if configuring fails.
        try configure()
    }

    deinit {
        SSL_CTX_free(sslContext)
        alpnWire.deallocate()
    }

    /// The raw `SSL_CTX*` for benchmarks that drive OpenSSL directly. Valid while `self` lives.
    public var _unsafeSSLContext: OpaquePointer { sslContext }

    private func configure() throws(TLSError) {
        let ctx = sslContext
        let config = configuration
        func check(_ ok: Bool, _ what: String) throws(TLSError) {
            guard ok else {
                throw TLSError.contextCreationFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: what))
            }
        }
        let minimum = config.minimumVersion == .tls13 ? TLS1_3_VERSION : TLS1_2_VERSION
        try check(drover_SSL_CTX_set_min_proto_version(ctx, minimum) == 1, "set_min_proto_version")
        try check(drover_SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1, "set_max_proto_version")
        drover_SSL_CTX_set_hardening_options(ctx)
        drover_SSL_CTX_release_idle_buffers(ctx)
        // TLS 1.2 only: forward-secret AEAD suites. TLS 1.3 suites are all fine by default.
        try check(SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") == 1, "SSL_CTX_set_cipher_list")
        // Callbacks find this object through the SSL_CTX's app data (ex_data index 0).
        SSL_CTX_set_ex_data(ctx, 0, Unmanaged.passUnretained(self).toOpaque())

        if let leaf = config.certificateChain.first, let key = config.privateKey {
            try check(SSL_CTX_use_certificate(ctx, leaf.pointer) == 1, "SSL_CTX_use_certificate")
            for intermediate in config.certificateChain.dropFirst() {
                try check(drover_SSL_CTX_add1_chain_cert(ctx, intermediate.pointer) == 1, "SSL_CTX_add1_chain_cert")
            }
            try check(SSL_CTX_use_PrivateKey(ctx, key.pointer) == 1, "SSL_CTX_use_PrivateKey")
            try check(SSL_CTX_check_private_key(ctx) == 1, "SSL_CTX_check_private_key")
        }
        // Only the configured roots: never SSL_CTX_set_default_verify_paths (the system store).
        guard let store = SSL_CTX_get_cert_store(ctx) else { throw TLSError.contextCreationFailed(reasons: ["no store"]) }
        for root in config.trustRoots {
            try check(X509_STORE_add_cert(store, root.pointer) == 1, "X509_STORE_add_cert")
            if config.role == .server {
                try check(SSL_CTX_add_client_CA(ctx, root.pointer) == 1, "SSL_CTX_add_client_CA")
            }
        }
        SSL_CTX_set_verify(ctx, verifyMode, TLSCallbacks.verify)
        try configureALPN()
        try configureSessions()
    }

    private var verifyMode: Int32 {
        switch (configuration.role, configuration.peerVerification) {
        case (_, .none): return SSL_VERIFY_NONE
        case (.server, .optionalClientCertificate): return SSL_VERIFY_PEER
        case (.server, _): return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
        case (.client, _): return SSL_VERIFY_PEER
        }
    }

    private func configureALPN() throws(TLSError) {
        guard !alpnWire.isEmpty else { return }
        switch configuration.role {
        case .client:
            // Note the inverted convention: 0 means success here.
            guard SSL_CTX_set_alpn_protos(sslContext, alpnWire.baseAddress, UInt32(alpnWire.count)) == 0 else {
                throw TLSError.contextCreationFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: "set_alpn_protos"))
            }
        case .server:
            SSL_CTX_set_alpn_select_cb(sslContext, TLSCallbacks.alpnSelect, Unmanaged.passUnretained(self).toOpaque())
        }
    }

    private func configureSessions() throws(TLSError) {
        switch configuration.role {
        case .client:
            // OpenSSL's internal store is keyed by session id, useless for clients; we key by server name.
            _ = drover_SSL_CTX_set_session_cache_mode(
                sslContext,
                Int(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE)
            )
            SSL_CTX_sess_set_new_cb(sslContext, TLSCallbacks.newSession)
        case .server:
            // Without a session id context OpenSSL refuses to resume sessions that carry a client
            // certificate ("session id context uninitialized").
            let id: [UInt8] = Array("drover".utf8)
            guard SSL_CTX_set_session_id_context(sslContext, id, UInt32(id.count)) == 1,
                SSL_CTX_set_num_tickets(sslContext, 1) == 1
            else {
                throw TLSError.contextCreationFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: "session setup"))
            }
            let lifetime = max(1, min(configuration.sessionLifetime.components.seconds, 7 * 86_400))
            SSL_CTX_set_timeout(sslContext, Int(lifetime))
            if var keys = configuration.sessionTicketKeys {
                guard keys.count == TLSConfiguration.ticketKeyLength else {
                    throw TLSError.invalidConfiguration(
                        "session ticket keys must be \(TLSConfiguration.ticketKeyLength) bytes, got \(keys.count)")
                }
                let set = keys.withUnsafeMutableBufferPointer {
                    drover_SSL_CTX_set_tlsext_ticket_keys(sslContext, $0.baseAddress, $0.count)
                }
                guard set == 1 else {
                    throw TLSError.contextCreationFailed(reasons: OpenSSLErrorQueue.drainReasons(fallback: "ticket keys"))
                }
            }
        }
    }

    private static func validate(_ configuration: TLSConfiguration) throws(TLSError) {
        if !configuration.certificateChain.isEmpty && configuration.privateKey == nil {
            throw TLSError.invalidConfiguration("a certificate chain needs a private key")
        }
        if configuration.privateKey != nil && configuration.certificateChain.isEmpty {
            throw TLSError.invalidConfiguration("a private key needs a certificate chain")
        }
        switch (configuration.role, configuration.peerVerification) {
        case (.server, _) where configuration.certificateChain.isEmpty:
            throw TLSError.invalidConfiguration("a server needs a certificate and key")
        case (.server, .caPin):
            throw TLSError.invalidConfiguration("CA pin verification is for enrolling clients only")
        case (.client, .optionalClientCertificate):
            throw TLSError.invalidConfiguration("optional client certificates are a server setting")
        case (_, .fullVerification), (.server, .optionalClientCertificate):
            if configuration.trustRoots.isEmpty {
                throw TLSError.invalidConfiguration("verification needs at least one trust root")
            }
        default:
            break
        }
        for name in configuration.alpnProtocols where name.utf8.isEmpty || name.utf8.count > 255 {
            throw TLSError.invalidConfiguration("ALPN protocol names must be 1...255 bytes")
        }
    }

    private static func alpnWireFormat(_ protocols: [String]) -> [UInt8] {
        var wire: [UInt8] = []
        for name in protocols {
            wire.append(UInt8(name.utf8.count))
            wire.append(contentsOf: name.utf8)
        }
        return wire
    }

    static func parseALPNWire(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        var names: [String] = []
        var index = 0
        // Each step consumes 1 + length bytes, so this always advances.
        while index < bytes.count {
            let length = Int(bytes[index])
            let end = index + 1 + length
            guard end <= bytes.count else { break }
            names.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end]), as: UTF8.self))
            index = end
        }
        return names
    }
}
