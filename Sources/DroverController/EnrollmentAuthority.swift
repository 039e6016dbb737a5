import DroverSession
import DroverStore
import DroverTLS
import DroverWire
import FoundationEssentials

/// Decides enrollment requests: checks the CSR, redeems the join token, chooses the host's
/// identity, signs its certificate and records host, certificate and event in the store.
///
/// The CSR's subject is never used: the host id (`h-…`) is the certificate's CN.
public struct EnrollmentAuthority: Sendable {
    private let store: any StateStore
    private let ca: CertificateAuthority
    private let lifetime: Duration
    private let logger: DroverLogger
    private let refusals: EnrollmentRefusalLimiter

    /// An authority signing with `ca` and recording in `store`; refusals are recorded through
    /// `refusals` (by default a limiter of its own: one event per address and minute).
    public init(
        store: any StateStore, ca: CertificateAuthority, lifetime: Duration, logger: DroverLogger,
        refusals: EnrollmentRefusalLimiter? = nil
    ) {
        self.store = store
        self.ca = ca
        self.lifetime = lifetime
        self.logger = logger
        self.refusals = refusals ?? EnrollmentRefusalLimiter(store: store, logger: logger)
    }

    /// Handles one `EnrollRequest` from `address` at `now` (Unix ms).
    ///
    /// - Returns: the response, or an `ENROLLMENT_REFUSED` error naming why.
    public func enroll(
        _ request: Drover_V1_EnrollRequest,
        address: String,
        now: Int64
    ) -> Result<Drover_V1_EnrollResponse, SessionError> {
        // The CSR first: a bad CSR must not use up a token.
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(der: Array(request.csrDer))
            try csr.verifySignature()
        } catch {
            return refuse("the certificate signing request is invalid: \(error)", reason: "bad_csr", address: address, now: now)
        }

        let token: JoinTokenRecord
        do {
            token = try store.redeemJoinToken(token: request.token, now: now)
        } catch {
            let (text, reason) = Self.describe(error)
            return refuse(text, reason: reason, address: address, now: now)
        }

        let hostID = HostRecord.newID()
        do {
            let name = try chooseName(requested: request.hostname, hostID: hostID)
            var labels = request.labels
            labels.merge(token.labels) { _, fromToken in fromToken }  // operator labels on the token win
            try store.insertHost(HostRecord(
                id: hostID, name: name, address: address, labels: labels, agentVersion: request.agentVersion,
                enrolledAt: now, lastSeenAt: now))
            let response = try issue(csr: csr, hostID: hostID, now: now)
            _ = try store.appendEvent(NewEvent(
                at: now, kind: "host.enrolled", hostID: hostID,
                message: "host \(name) enrolled from \(address) with join token \(token.id)",
                details: ["name": name, "address": address, "token_id": token.id]))
            logger.notice("host enrolled", ["host.id": hostID, "host.name": name, "peer.address": address, "token.id": token.id])
            return .success(response)
        } catch {
            logger.error("enrollment failed after redeeming the token", ["token.id": token.id, "error": "\(error)"])
            return .failure(SessionError(.internal, "the controller could not complete the enrollment"))
        }
    }

    /// Renews the certificate of an authenticated host (Protocol/README.md §8.1): same host
    /// id, a new key from the CSR, a fresh lifetime. Earlier certificates stay valid until
    /// they expire, so an agent that crashes mid-renewal can still connect.
    public func renew(
        _ request: Drover_V1_EnrollRequest,
        hostID: String,
        now: Int64
    ) -> Result<Drover_V1_EnrollResponse, SessionError> {
        guard request.token.isEmpty else {
            return .failure(SessionError(
                .invalidArgument, "a renewal on a session carries no join token", relatedType: .enrollRequest))
        }
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(der: Array(request.csrDer))
            try csr.verifySignature()
        } catch {
            return .failure(SessionError(
                .invalidArgument, "the certificate signing request is invalid: \(error)", relatedType: .enrollRequest))
        }
        do {
            guard let host = try store.host(id: hostID), host.state != .removed else {
                return .failure(SessionError(.unauthenticated, "host \(hostID) was removed from the fleet"))
            }
            let response = try issue(csr: csr, hostID: hostID, now: now)
            _ = try store.appendEvent(NewEvent(
                at: now, kind: "host.certificate_renewed", hostID: hostID,
                message: "certificate of host \(host.name) renewed",
                details: ["not_after_unix_ms": "\(response.notAfterUnixMs)"]))
            logger.notice("certificate renewed", ["host.id": hostID])
            return .success(response)
        } catch {
            logger.error("renewal failed", ["host.id": hostID, "error": "\(error)"])
            return .failure(SessionError(.internal, "the controller could not renew the certificate"))
        }
    }

    /// Signs a client certificate for `hostID` (CN = host id, nothing from the CSR but its
    /// key), records it as the host's current one, and builds the response.
    private func issue(csr: CertificateSigningRequest, hostID: String, now: Int64) throws -> Drover_V1_EnrollResponse {
        let issuedAt = now / 1000
        let notBefore = issuedAt - 300  // tolerate agents whose clocks run a little behind
        let notAfter = issuedAt + lifetime.components.seconds
        let certificate = try ca.sign(
            csr: csr, subjectCommonName: hostID, notBefore: notBefore, notAfter: notAfter, usage: .client)
        try store.recordIssuedCertificate(CertificateRecord(
            serial: certificate.serialHex, hostID: hostID, fingerprint: certificate.sha256Fingerprint,
            notBefore: notBefore * 1000, notAfter: notAfter * 1000, issuedAt: now))
        var response = Drover_V1_EnrollResponse()
        response.certificateDer = Data(certificate.derBytes)
        response.caCertificateDer = Data(ca.certificate.derBytes)
        response.hostID = hostID
        response.notAfterUnixMs = notAfter * 1000
        // Renew at 2/3 of the lifetime, counted from issuance.
        response.renewAfterUnixMs = now + lifetime.milliseconds * 2 / 3
        return response
    }

    /// The requested name if free, else the name with the host id's suffix, else the host id.
    private func chooseName(requested: String, hostID: String) throws -> String {
        let base = requested.isEmpty ? hostID : requested
        if try store.host(named: base) == nil { return base }
        return base + "-" + hostID.dropFirst(2).prefix(6)
    }

    private func refuse(_ text: String, reason: String, address: String, now: Int64) -> Result<Drover_V1_EnrollResponse, SessionError> {
        refusals.refused(text, reason: reason, address: address, now: now)
        return .failure(SessionError(.enrollmentRefused, "enrollment refused: \(text)", relatedType: .enrollRequest))
    }

    /// Operator-facing text and a short machine reason for a token refusal.
    static func describe(_ error: StoreError) -> (String, String) {
        switch error {
        case .unknownToken: return ("the join token is unknown", "unknown_token")
        case .malformedToken(let why): return ("the join token is malformed (\(why))", "malformed_token")
        case .tokenExpired: return ("the join token has expired", "token_expired")
        case .tokenUsedUp(let uses): return ("the join token is used up (\(uses) of \(uses) uses)", "token_used_up")
        case .tokenRevoked: return ("the join token was revoked", "token_revoked")
        default: return ("the join token could not be checked (\(error))", "store_error")
        }
    }
}
