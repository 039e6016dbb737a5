import COpenSSL
import NIOConcurrencyHelpers

/// Client-side TLS session cache, one session per server name.
///
/// Fed by OpenSSL's new-session callback (TLS 1.3 tickets arrive after the handshake) and consulted
/// with `SSL_set_session` before the next connection to the same server.
public final class TLSClientSessionCache: Sendable {
    private let sessions = NIOLockedValueBox<[String: TLSSessionReference]>([:])

    /// An empty cache.
    public init() {}

    /// Number of cached sessions.
    public var count: Int { sessions.withLockedValue { $0.count } }

    /// Forgets every session (forces full handshakes).
    public func removeAll() {
        sessions.withLockedValue { $0.removeAll() }
    }

    /// Takes ownership of one reference to `session`.
    func store(_ session: OpaquePointer, for key: String) {
        let reference = TLSSessionReference(taking: session)
        sessions.withLockedValue { $0[key] = reference }
    }

    /// The session for `key`, if one is cached and still resumable.
    func session(for key: String) -> TLSSessionReference? {
        sessions.withLockedValue { sessions in
            guard let reference = sessions[key] else { return nil }
            guard SSL_SESSION_is_resumable(reference.pointer) == 1 else {
                sessions[key] = nil
                return nil
            }
            return reference
        }
    }
}

/// Owns one reference to an `SSL_SESSION`. Sessions are immutable once cached.
final class TLSSessionReference: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        SSL_SESSION_free(pointer)
    }
}
