/// Which extendedKeyUsage a signed leaf certificate gets.
public enum CertificateUsage: Sendable, Hashable {
    /// serverAuth — the controller.
    case server
    /// clientAuth — agents and operators.
    case client
    /// serverAuth and clientAuth.
    case both

    var extendedKeyUsageValue: String {
        switch self {
        case .server: return "serverAuth"
        case .client: return "clientAuth"
        case .both: return "serverAuth,clientAuth"
        }
    }
}
