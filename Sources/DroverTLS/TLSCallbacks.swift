import COpenSSL

/// The C callbacks installed on every `SSL_CTX`.
///
/// They find Swift objects through ex_data index 0 ("app data"): the `SSL_CTX` points at its
/// `TLSContext`, each `SSL` at its `OpenSSLConnection`. Both are unretained: the context outlives
/// its SSL objects, and a connection frees its SSL in deinit, so no callback can outlive them.
enum TLSCallbacks {
    static func connection(of ssl: OpaquePointer?) -> OpenSSLConnection? {
        guard let ssl, let raw = SSL_get_ex_data(ssl, 0) else { return nil }
        return Unmanaged<OpenSSLConnection>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Certificate verification: defers to OpenSSL except in CA-pin mode (checked after the
    /// handshake), and refuses deny-listed leaves during a full handshake so the peer gets an alert.
    static let verify: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverifyOK, storeContext in
        guard let storeContext,
            let sslRaw = X509_STORE_CTX_get_ex_data(storeContext, SSL_get_ex_data_X509_STORE_CTX_idx()),
            let connection = connection(of: OpaquePointer(sslRaw))
        else { return preverifyOK }
        return connection.verifyCallback(preverifyOK: preverifyOK, storeContext: storeContext)
    }

    /// Server ALPN selection in server preference order; no overlap is a fatal handshake error.
    static let alpnSelect:
        @convention(c) (
            OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<UInt8>?,
            UnsafePointer<UInt8>?, UInt32, UnsafeMutableRawPointer?
        ) -> Int32 = { ssl, out, outLength, clientList, clientLength, arg in
            guard let out, let outLength, let clientList, let arg else { return SSL_TLSEXT_ERR_ALERT_FATAL }
            let context = Unmanaged<TLSContext>.fromOpaque(arg).takeUnretainedValue()
            let offered = UnsafeBufferPointer(start: clientList, count: Int(clientLength))
            connection(of: ssl)?.peerOfferedALPN = TLSContext.parseALPNWire(offered)
            var selected: UnsafeMutablePointer<UInt8>? = nil
            var selectedLength: UInt8 = 0
            let result = SSL_select_next_proto(
                &selected,
                &selectedLength,
                context.alpnWire.baseAddress,
                UInt32(context.alpnWire.count),
                clientList,
                clientLength
            )
            guard result == OPENSSL_NPN_NEGOTIATED, let selected else { return SSL_TLSEXT_ERR_ALERT_FATAL }
            out.pointee = UnsafePointer(selected)
            outLength.pointee = selectedLength
            return SSL_TLSEXT_ERR_OK
        }

    /// Client new-session callback: TLS 1.3 tickets arrive after the handshake, during SSL_read.
    /// Returning 1 tells OpenSSL we kept the reference.
    static let newSession: @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32 = { ssl, session in
        guard let ssl, let session, let connection = connection(of: ssl),
            let cache = connection.context.sessionCache
        else { return 0 }
        cache.store(session, for: connection.sessionCacheKey)
        return 1
    }
}
