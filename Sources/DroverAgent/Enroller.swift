import DroverSession
import DroverTLS
import DroverWire
import FoundationEssentials
import NIOCore

/// First start: key + CSR, an enrollment connection pinned to the CA, `EnrollRequest`,
/// and the resulting identity.
///
/// Public so tools that stand in for many hosts (`drover-bench fleet`) enroll exactly as the
/// agent does.
public struct Enroller: Sendable {
    let configuration: AgentConfiguration
    let logger: DroverLogger

    /// An enroller for the controller, name, labels and bind address in `configuration`.
    public init(configuration: AgentConfiguration, logger: DroverLogger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Enrolls once. Throws ``AgentError`` for refusals (permanent) and other errors for
    /// failures worth retrying (network).
    public func enroll(token: String, pin: CAPin) async throws -> AgentIdentity {
        let key = try PrivateKey.generateP256()
        let csr = try CertificateSigningRequest(key: key, commonName: configuration.name)
        var request = Drover_V1_EnrollRequest()
        request.token = token
        request.csrDer = Data(csr.derBytes)
        request.hostname = configuration.name
        request.labels = configuration.labels
        request.agentVersion = DroverVersion.software

        var tls = TLSConfiguration.client(peerVerification: .caPin(pin))
        tls.alpnProtocols = [DroverVersion.enrollmentALPN]
        let context = try TLSContext(configuration: tls)
        let connection: FrameConnection
        do {
            connection = try await ControllerDialer(configuration: configuration).connect(context: context)
        } catch let error as TLSError {
            if case .pinMismatch = error { throw AgentError.caPinMismatch(error.description) }
            if case .hostnameMismatch = error { throw AgentError.caPinMismatch(error.description) }
            if case .certificateVerificationFailed = error { throw AgentError.caPinMismatch(error.description) }
            throw error
        }

        let policy = ClientHelloPolicy(hostname: configuration.name)
        let enrollRequest = request
        let ending = try await withDeadline(.seconds(30), what: "enrollment") {
            try await connection.channel.executeThenClose { inbound, outbound in
                var writer = FrameWriter(outbound: outbound)
                var machine = ClientSessionStateMachine(kind: .enrollment(enrollRequest), policy: policy)
                var actions = machine.start(now: .now)
                var iterator = inbound.makeAsyncIterator()
                while true {
                    for action in actions {
                        switch action {
                        case .send(let envelope):
                            try await writer.write(envelope)
                        case .established(let session):
                            writer.apply(session)
                        case .close(let envelope, let ending):
                            if let envelope { try? await writer.write(envelope) }
                            return ending
                        case .log, .renewed, .renewalFailed, .command:
                            break  // an enrollment connection carries no commands (the machine refuses them)
                        }
                    }
                    guard let frame = try await iterator.next() else {
                        return ClientSessionStateMachine.Ending.failed("the controller closed the enrollment connection")
                    }
                    actions = machine.receive(frame, now: .now)
                }
            }
        }

        switch ending {
        case .enrolled(let response):
            let certificate = try Certificate(der: Array(response.certificateDer))
            let caCertificate = try Certificate(der: Array(response.caCertificateDer))
            guard pin.matches(caCertificate) else {
                throw AgentError.caPinMismatch("the CA certificate in the enrollment response does not match the pin")
            }
            logger.notice("enrolled", ["host.id": response.hostID, "ca.pin": caCertificate.pin])
            return AgentIdentity(
                key: key, certificate: certificate, caCertificate: caCertificate, renewAfterUnixMs: response.renewAfterUnixMs)
        case .refused(let error) where error.code == .enrollmentRefused || error.code == .unauthenticated:
            throw AgentError.enrollmentRefused(error.message)
        case .refused(let error):
            throw EnrollmentInterrupted(reason: error.description)
        case .goodbye(let reason, _):
            throw EnrollmentInterrupted(reason: "controller said goodbye: \(reason)")
        case .failed(let reason):
            throw EnrollmentInterrupted(reason: reason)
        }
    }
}

/// Enrollment did not finish for a reason worth retrying.
struct EnrollmentInterrupted: Error, CustomStringConvertible {
    let reason: String
    var description: String { "enrollment interrupted: \(reason)" }
}
