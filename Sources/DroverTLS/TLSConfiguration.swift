import NIOCore

/// Everything needed to build a `TLSContext`: role, identity, trust and policy.
public struct TLSConfiguration: Sendable {
    /// Which side of the handshake this configuration is for.
    public enum Role: Sendable, Hashable {
        case client
        case server
    }

    /// Protocol versions Drover accepts.
    public enum Version: Sendable, Hashable {
        case tls12
        case tls13
    }

    /// How the peer's certificate is checked.
    public enum PeerVerification: Sendable, Hashable {
        /// Verify the peer chain against `trustRoots`; a server also requires a client certificate.
        case fullVerification
        /// Server only: verify a client certificate if one is presented, accept clients without one
        /// (the enrollment listener, where agents authenticate with a join token instead).
        case optionalClientCertificate
        /// Client only: enrollment before the CA is known. Verification is deferred until after the
        /// handshake; the server's chain must contain a certificate with this pin and the leaf must
        /// verify against it.
        case caPin(CAPin)
        /// No verification at all. Tests and benchmarks only.
        case none
    }

    /// Client or server.
    public var role: Role
    /// Lowest protocol version accepted (TLS 1.3 unless explicitly lowered).
    public var minimumVersion: Version = .tls13
    /// Our certificate first, then intermediates (and, for pin-mode clients, the CA itself).
    public var certificateChain: [Certificate]
    /// The key for `certificateChain[0]`; nil for an enrolling client.
    public var privateKey: PrivateKey?
    /// The only roots trusted (the fleet CA). The system store is never used.
    public var trustRoots: [Certificate]
    /// How the peer is verified.
    public var peerVerification: PeerVerification
    /// ALPN protocols in preference order. The handshake fails if the peer shares none.
    public var alpnProtocols: [String] = ["drover/1"]
    /// Fingerprints refused after every handshake, resumed ones included.
    public var denyList: TLSDenyList?
    /// How long `close()` waits for the peer's close_notify.
    public var closeNotifyTimeout: TimeAmount = .seconds(3)
    /// Cap on bytes written before the handshake completes.
    public var maxBufferedBytesBeforeHandshake: Int = 1 << 20
    /// Server only: the session-ticket keys (``TLSConfiguration/ticketKeyLength`` bytes: name,
    /// HMAC and AES keys). Kept across restarts, they let clients resume after the server
    /// restarts (a resumed handshake costs well under half of a full one); nil makes OpenSSL
    /// pick random keys per context.
    public var sessionTicketKeys: [UInt8]?
    /// Server only: how long a session ticket may be used to resume (TLS 1.3 allows 7 days).
    public var sessionLifetime: Duration = .seconds(7_200)

    /// The length of ``sessionTicketKeys``: a 16-byte key name, a 32-byte HMAC key, a 32-byte AES key.
    public static let ticketKeyLength = 80

    /// A configuration with every field explicit except the defaults above.
    public init(
        role: Role,
        certificateChain: [Certificate] = [],
        privateKey: PrivateKey? = nil,
        trustRoots: [Certificate] = [],
        peerVerification: PeerVerification = .fullVerification
    ) {
        self.role = role
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.trustRoots = trustRoots
        self.peerVerification = peerVerification
    }

    /// A server configuration (mutual TLS by default).
    public static func server(
        certificateChain: [Certificate],
        privateKey: PrivateKey,
        trustRoots: [Certificate],
        peerVerification: PeerVerification = .fullVerification
    ) -> TLSConfiguration {
        TLSConfiguration(
            role: .server,
            certificateChain: certificateChain,
            privateKey: privateKey,
            trustRoots: trustRoots,
            peerVerification: peerVerification
        )
    }

    /// A client configuration; omit the chain and key for an enrolling client.
    public static func client(
        certificateChain: [Certificate] = [],
        privateKey: PrivateKey? = nil,
        trustRoots: [Certificate] = [],
        peerVerification: PeerVerification = .fullVerification
    ) -> TLSConfiguration {
        TLSConfiguration(
            role: .client,
            certificateChain: certificateChain,
            privateKey: privateKey,
            trustRoots: trustRoots,
            peerVerification: peerVerification
        )
    }
}
