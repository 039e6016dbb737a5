import COpenSSL

/// The baseline for handshake speed: a full handshake between two `SSL` objects built from
/// the same `SSL_CTX`s Drover uses, driven over memory BIOs in this thread with no NIO.
struct RawHandshake {
    let clientContext: OpaquePointer
    let serverContext: OpaquePointer
    let serverName: String

    func run() throws {
        guard let client = SSL_new(clientContext), let server = SSL_new(serverContext) else {
            throw BenchError.handshakeDidNotComplete("SSL_new failed")
        }
        defer {
            SSL_free(client)
            SSL_free(server)
        }
        let clientIn = Self.memoryBIO(), clientOut = Self.memoryBIO()
        let serverIn = Self.memoryBIO(), serverOut = Self.memoryBIO()
        SSL_set_bio(client, clientIn, clientOut)
        SSL_set_bio(server, serverIn, serverOut)
        SSL_set_connect_state(client)
        SSL_set_accept_state(server)
        _ = drover_SSL_set_tlsext_host_name(client, serverName)
        _ = SSL_set1_host(client, serverName)

        var clientDone = false
        var serverDone = false
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        // A TLS 1.3 mutual handshake needs three flights; 16 rounds is a generous bound.
        for _ in 0..<16 where !(clientDone && serverDone) {
            if !clientDone { clientDone = try Self.step(client, "client") }
            Self.move(from: clientOut, to: serverIn, buffer: &buffer)
            if !serverDone { serverDone = try Self.step(server, "server") }
            Self.move(from: serverOut, to: clientIn, buffer: &buffer)
        }
        guard clientDone && serverDone else {
            throw BenchError.handshakeDidNotComplete("raw handshake did not finish in 16 rounds")
        }
        guard SSL_get_verify_result(client) == X509_V_OK, SSL_get_verify_result(server) == X509_V_OK else {
            throw BenchError.handshakeDidNotComplete("raw handshake did not verify")
        }
    }

    private static func memoryBIO() -> OpaquePointer {
        let bio = BIO_new(BIO_s_mem())!
        _ = drover_BIO_set_mem_eof_return(bio, -1)
        return bio
    }

    /// One SSL_do_handshake call: true when done, false when it needs the peer's bytes.
    private static func step(_ ssl: OpaquePointer, _ side: String) throws -> Bool {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return true }
        let error = SSL_get_error(ssl, result)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return false }
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        throw BenchError.handshakeDidNotComplete("\(side): SSL error \(error) \(reasons)")
    }

    /// Moves every pending byte from one memory BIO to another.
    private static func move(from source: OpaquePointer, to sink: OpaquePointer, buffer: inout [UInt8]) {
        while BIO_ctrl_pending(source) > 0 {
            let count = buffer.withUnsafeMutableBytes { BIO_read(source, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { return }
            _ = buffer.withUnsafeBytes { BIO_write(sink, $0.baseAddress, count) }
        }
    }
}
