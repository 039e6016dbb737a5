import NIOConcurrencyHelpers

/// Leaf certificate fingerprints that must be refused (revoked hosts).
///
/// Checked after every completed handshake on both sides — resumed sessions included, because
/// OpenSSL does not run certificate verification on resumption.
public final class TLSDenyList: Sendable {
    private let fingerprints: NIOLockedValueBox<Set<String>>

    /// Creates a deny list, optionally pre-filled with SHA-256 fingerprints.
    public init(fingerprints: some Sequence<String> = []) {
        self.fingerprints = NIOLockedValueBox(Set(fingerprints.map(Self.normalize)))
    }

    /// Denies a fingerprint (hex, any case, colons or a "sha256:" prefix allowed).
    public func add(fingerprint: String) {
        let normalized = Self.normalize(fingerprint)
        fingerprints.withLockedValue { _ = $0.insert(normalized) }
    }

    /// Denies a certificate.
    public func add(_ certificate: Certificate) {
        add(fingerprint: certificate.sha256Fingerprint)
    }

    /// Allows a fingerprint again.
    public func remove(fingerprint: String) {
        let normalized = Self.normalize(fingerprint)
        fingerprints.withLockedValue { _ = $0.remove(normalized) }
    }

    /// Whether the fingerprint is denied.
    public func contains(fingerprint: String) -> Bool {
        let normalized = Self.normalize(fingerprint)
        return fingerprints.withLockedValue { $0.contains(normalized) }
    }

    /// Whether the certificate is denied.
    public func contains(_ certificate: Certificate) -> Bool {
        contains(fingerprint: certificate.sha256Fingerprint)
    }

    /// Number of denied fingerprints.
    public var count: Int { fingerprints.withLockedValue { $0.count } }

    static func normalize(_ fingerprint: String) -> String {
        var text = fingerprint.lowercased()
        if text.hasPrefix("sha256:") { text.removeFirst("sha256:".count) }
        return text.filter { $0 != ":" }
    }
}
