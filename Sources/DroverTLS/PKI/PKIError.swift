/// Errors raised by the PKI layer (keys, certificates, CSRs, the CA and pins).
public enum PKIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An OpenSSL call failed; `reasons` are OpenSSL's reason strings, oldest first.
    case openSSL(operation: String, reasons: [String])
    /// The input did not contain a usable PEM object of the expected kind.
    case invalidPEM(String)
    /// The input was not valid DER for the expected kind.
    case invalidDER(String)
    /// The CSR's self-signature does not verify against its own public key.
    case csrSignatureInvalid
    /// A CA pin string was malformed.
    case invalidPin(String)
    /// An IP address SAN was not a valid IPv4 or IPv6 literal.
    case invalidIPAddress(String)
    /// A DNS name or common name was empty or contained forbidden characters.
    case invalidName(String)
    /// `notAfter` is not after `notBefore`.
    case invalidValidity(notBefore: Int64, notAfter: Int64)

    public var description: String {
        switch self {
        case .openSSL(let operation, let reasons):
            return "\(operation) failed: \(reasons.joined(separator: "; "))"
        case .invalidPEM(let what): return "invalid PEM: \(what)"
        case .invalidDER(let what): return "invalid DER: \(what)"
        case .csrSignatureInvalid: return "certificate signing request signature does not verify"
        case .invalidPin(let why): return "invalid CA pin: \(why)"
        case .invalidIPAddress(let ip): return "invalid IP address: \(ip)"
        case .invalidName(let name): return "invalid name: \(name)"
        case .invalidValidity(let notBefore, let notAfter):
            return "invalid validity period: notAfter \(notAfter) is not after notBefore \(notBefore)"
        }
    }

    /// Builds an `.openSSL` error from whatever is on the error queue now.
    static func fromQueue(_ operation: String) -> PKIError {
        .openSSL(operation: operation, reasons: OpenSSLErrorQueue.drainReasons(fallback: "unknown error"))
    }
}
