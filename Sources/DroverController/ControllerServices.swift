import DroverSession
import DroverStore
import DroverWire
import DroverTLS

/// What every connection handler shares: configuration, store, CA, registry and sink.
struct ControllerServices: Sendable {
    let configuration: ControllerConfiguration
    let store: any StateStore
    let denyList: TLSDenyList
    let registry: HostRegistry
    let reportSink: any HostReportSink
    let commands: AgentCommandRouter
    let enrollment: EnrollmentAuthority
    let logger: DroverLogger

    /// Who a `drover/1` client is: its certificate must be known, not revoked, and belong
    /// to a host that is not removed.
    func authenticate(_ peer: TLSPeerInfo) -> Result<String, SessionError> {
        guard let fingerprint = peer.sha256Fingerprint else {
            return .failure(SessionError(.unauthenticated, "a client certificate is required for \(peer.alpnProtocol ?? "drover/1")"))
        }
        if denyList.contains(fingerprint: fingerprint) {
            return .failure(SessionError(.unauthenticated, "this host's certificate was revoked"))
        }
        let record: CertificateRecord?
        do {
            record = try store.certificate(fingerprint: fingerprint)
        } catch {
            logger.error("certificate look-up failed", ["error": "\(error)"])
            return .failure(SessionError(.unauthenticated, "the controller cannot check the certificate right now"))
        }
        guard let record else {
            return .failure(SessionError(.unauthenticated, "this certificate was not issued by this controller's registry"))
        }
        guard record.revokedAt == nil else {
            return .failure(SessionError(.unauthenticated, "this host's certificate was revoked (\(record.revokeReason ?? "no reason"))"))
        }
        let host: HostRecord?
        do {
            host = try store.host(id: record.hostID)
        } catch {
            return .failure(SessionError(.unauthenticated, "the controller cannot check the host right now"))
        }
        guard let host, host.state != .removed else {
            return .failure(SessionError(.unauthenticated, "host \(record.hostID) was removed from the fleet; enroll again with a new join token"))
        }
        guard peer.commonName == host.id else {
            return .failure(SessionError(.unauthenticated, "certificate identity does not match host \(host.id)"))
        }
        return .success(host.id)
    }
}
