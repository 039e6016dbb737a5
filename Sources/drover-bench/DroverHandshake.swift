import DroverTLS
import DroverTestSupport
import NIOCore

/// One full mutual-TLS handshake through `OpenSSLHandler`: a client and a server pipeline on two
/// in-memory channels in this thread, bytes shuttled between them until both report the peer.
/// The same work as `RawHandshake` plus everything Drover adds (NIO pipeline, buffering, peer
/// checks, deny list, events), so the ratio of the two is the cost of the Drover layer.
struct DroverHandshake {
    let tls: BenchTLS

    func run() throws {
        tls.forgetSessions()
        let pair = try EmbeddedTLSPair(
            clientContext: tls.clientContext, serverContext: tls.serverContext, serverHostname: TestPKI.serverName)
        defer { pair.finish() }
        try pair.handshake()
        guard let server = pair.serverRecorder.peerInfo, pair.clientRecorder.peerInfo != nil else {
            let errors = pair.clientRecorder.errors + pair.serverRecorder.errors
            throw BenchError.handshakeDidNotComplete("\(errors)")
        }
        guard !server.resumed else {
            throw BenchError.handshakeDidNotComplete("session was resumed; the benchmark needs full handshakes")
        }
    }
}
