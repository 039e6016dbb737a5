import DroverTLS
import DroverTestSupport

/// The TLS fixtures every benchmark shares: a throwaway fleet CA, a controller certificate and
/// an agent certificate, and one client and one server `TLSContext` built from them (mutual TLS,
/// full verification, the Drover ALPN), exactly as the controller and agents use them.
final class BenchTLS: Sendable {
    let pki: TestPKI
    let serverContext: TLSContext
    let clientContext: TLSContext

    init() throws {
        pki = try TestPKI()
        serverContext = try TLSContext(configuration: pki.serverConfiguration())
        clientContext = try TLSContext(configuration: pki.clientConfiguration())
    }

    /// A server-side handler for one accepted connection.
    func makeServerHandler() -> OpenSSLHandler {
        OpenSSLHandler(context: serverContext)
    }

    /// A client-side handler that checks the controller's name.
    func makeClientHandler() -> OpenSSLHandler {
        OpenSSLHandler(context: clientContext, serverHostname: TestPKI.serverName)
    }

    /// Forgets cached client sessions so the next handshake is a full one.
    func forgetSessions() {
        clientContext.sessionCache?.removeAll()
    }
}
