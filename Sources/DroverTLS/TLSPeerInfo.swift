/// What a completed handshake established about the peer and the session.
public struct TLSPeerInfo: Sendable, Equatable {
    /// The peer's leaf certificate (nil only for an anonymous client on an optional-certificate server).
    public var certificate: Certificate?
    /// Subject CN of the leaf.
    public var commonName: String?
    /// dNSName SANs of the leaf.
    public var dnsNames: [String]
    /// iPAddress SANs of the leaf, as text.
    public var ipAddresses: [String]
    /// Lowercase hex SHA-256 of the leaf's DER.
    public var sha256Fingerprint: String?
    /// Leaf serial number, lowercase hex.
    public var serialHex: String?
    /// The negotiated ALPN protocol.
    public var alpnProtocol: String?
    /// OpenSSL's version name, e.g. "TLSv1.3".
    public var tlsVersion: String
    /// OpenSSL's cipher name, e.g. "TLS_AES_256_GCM_SHA384".
    public var cipher: String
    /// Whether the session was resumed from a ticket.
    public var resumed: Bool

    /// Memberwise initialiser.
    public init(
        certificate: Certificate?,
        alpnProtocol: String?,
        tlsVersion: String,
        cipher: String,
        resumed: Bool
    ) {
        self.certificate = certificate
        self.commonName = certificate?.subjectCommonName
        self.dnsNames = certificate?.dnsNames ?? []
        self.ipAddresses = certificate?.ipAddresses ?? []
        self.sha256Fingerprint = certificate?.sha256Fingerprint
        self.serialHex = certificate?.serialHex
        self.alpnProtocol = alpnProtocol
        self.tlsVersion = tlsVersion
        self.cipher = cipher
        self.resumed = resumed
    }
}

/// User events fired by `OpenSSLHandler`.
public enum TLSEvent: Sendable, Equatable {
    /// The handshake completed and passed every post-handshake check.
    case handshakeCompleted(TLSPeerInfo)
    /// The peer sent close_notify; the handler answers and closes the channel.
    case closeNotifyReceived
}
