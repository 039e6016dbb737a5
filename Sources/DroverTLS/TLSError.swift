/// Everything that can go wrong on a TLS connection, with OpenSSL's own wording where it has one.
public enum TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The handshake failed for a reason not covered by a more specific case.
    case handshakeFailed(reasons: [String])
    /// The peer's chain did not verify; the text is `X509_verify_cert_error_string` ("certificate has expired").
    case certificateVerificationFailed(String)
    /// The peer presented no certificate although one is required.
    case noPeerCertificate
    /// The peer's leaf certificate fingerprint is on the deny list.
    case peerDenied(fingerprint: String)
    /// No common ALPN protocol; `offered` is what the client offered.
    case alpnMismatch(offered: [String])
    /// The server certificate does not match the expected name or IP ("Hostname mismatch").
    case hostnameMismatch(String)
    /// CA-pin mode: no certificate in the presented chain has the expected pin.
    case pinMismatch(expected: String, found: [String])
    /// The peer does not speak TLS (plaintext HTTP, garbage).
    case notTLS
    /// The connection closed before the handshake finished.
    case unexpectedEOFDuringHandshake
    /// The connection closed after the handshake without a close_notify (possible truncation).
    case uncleanShutdown
    /// We sent close_notify and the peer did not answer in time.
    case closeNotifyTimeout
    /// Too many bytes were written before the handshake completed.
    case bufferedWritesOverflow(limit: Int)
    /// The peer sent a fatal alert, e.g. "tlsv13 alert certificate required".
    case peerAlert(String)
    /// A fatal OpenSSL error after the handshake (record layer, decryption).
    case connectionFailed(reasons: [String])
    /// The configuration cannot work (e.g. a server without a key).
    case invalidConfiguration(String)
    /// Building the `SSL_CTX` or `SSL` failed.
    case contextCreationFailed(reasons: [String])

    public var description: String {
        switch self {
        case .handshakeFailed(let reasons): return "TLS handshake failed: \(reasons.joined(separator: "; "))"
        case .certificateVerificationFailed(let reason): return "certificate verification failed: \(reason)"
        case .noPeerCertificate: return "peer did not return a certificate"
        case .peerDenied(let fingerprint): return "peer certificate sha256:\(fingerprint) is on the deny list"
        case .alpnMismatch(let offered): return "no common application protocol (offered: \(offered))"
        case .hostnameMismatch(let reason): return "server certificate name check failed: \(reason)"
        case .pinMismatch(let expected, let found):
            return "no certificate in the server chain matches CA pin \(expected) (found: \(found.joined(separator: ", ")))"
        case .notTLS: return "peer is not speaking TLS"
        case .unexpectedEOFDuringHandshake: return "connection closed during the TLS handshake"
        case .uncleanShutdown: return "connection closed without TLS close_notify"
        case .closeNotifyTimeout: return "timed out waiting for the peer's TLS close_notify"
        case .bufferedWritesOverflow(let limit): return "more than \(limit) bytes written before the TLS handshake completed"
        case .peerAlert(let alert): return "peer sent TLS alert: \(alert)"
        case .connectionFailed(let reasons): return "TLS connection failed: \(reasons.joined(separator: "; "))"
        case .invalidConfiguration(let why): return "invalid TLS configuration: \(why)"
        case .contextCreationFailed(let reasons): return "creating the TLS context failed: \(reasons.joined(separator: "; "))"
        }
    }
}
