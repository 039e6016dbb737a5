import DroverSession
import DroverTLS
import DroverWire
import NIOCore

/// Carries out one accepted connection's ``ServerSessionStateMachine`` actions: writes
/// frames, reports to the ``HostReportSink``, runs enrollment, closes.
///
/// Lives inside one task (the connection's), so it needs no locking.
final class AgentConnection {
    private var machine: ServerSessionStateMachine
    private var writer: FrameWriter
    private let connectionID: UInt64
    private let address: String
    private let services: ControllerServices
    private let openingPhaseEnded: @Sendable () -> Void
    private(set) var closeReason = "connection ended"
    private var knownCause: DisconnectCause?

    /// Why the session ended, for the sink.
    var cause: DisconnectCause { knownCause ?? .failed(closeReason) }
    private(set) var establishedHostID: String?

    init(
        kind: ServerSessionStateMachine.Kind,
        writer: FrameWriter,
        connectionID: UInt64,
        address: String,
        services: ControllerServices,
        openingPhaseEnded: @escaping @Sendable () -> Void = {}
    ) {
        self.machine = ServerSessionStateMachine(kind: kind, policy: services.configuration.helloPolicy, openedAt: .now)
        self.writer = writer
        self.connectionID = connectionID
        self.address = address
        self.services = services
        self.openingPhaseEnded = openingPhaseEnded
    }

    /// Handles one event; returns whether the connection stays open.
    func handle(_ event: SessionEvent) async throws -> Bool {
        switch event {
        case .frame(let frame):
            return try await perform(machine.receive(frame, now: .now, nowUnixMs: UnixTime.nowMillis()))
        case .tick:
            return try await perform(machine.tick(now: .now))
        case .shutdown(let reason):
            knownCause = reason == HostRegistry.replacedReason ? .replaced : .controllerShutdown
            return try await perform(
                machine.shutdown(reason: reason, reconnectAfter: services.configuration.reconnectAfter))
        case .command(let command):
            return try await perform(machine.sendCommand(command))
        case .commandUpdate:
            return true  // agent-side event; never queued on a controller session
        case .inboundEnded(let error):
            machine.connectionClosed()
            if let wireError = error as? WireError {
                closeReason = "framing error: \(wireError)"
                if let notice = wireError.fatalNotice { try? await writer.write(notice) }
            } else if let error {
                closeReason = "connection lost: \(error)"
            } else {
                closeReason = "peer closed the connection"
            }
            return false
        }
    }

    private func perform(_ actions: [ServerSessionStateMachine.Action]) async throws -> Bool {
        for action in actions {
            switch action {
            case .send(let envelope):
                try await writer.write(envelope)
            case .close(let envelope, let reason):
                closeReason = reason
                if let envelope { try? await writer.write(envelope) }
                return false
            case .established(let session):
                writer.apply(session)
                if case .agent(let hostID) = machine.kind {
                    // An agent session has no opening deadline left (enrollment sessions keep theirs).
                    openingPhaseEnded()
                    establishedHostID = hostID
                    services.registry.establish(connectionID, hostID: hostID)
                    services.logger.info(
                        "agent session established",
                        [
                            "host.id": hostID, "peer.address": address, "agent.version": session.peerVersion,
                        ])
                    await services.reportSink.hostConnected(
                        ConnectedHost(
                            hostID: hostID, address: address, agentVersion: session.peerVersion,
                            capabilities: session.capabilities, connectedAt: UnixTime.nowMillis()))
                }
            case .hostReport(let report):
                if let hostID = establishedHostID {
                    await services.reportSink.hostReport(
                        hostID: hostID, report: report, receivedAt: UnixTime.nowMillis())
                }
            case .enroll(let requestID, let request):
                let result = services.enrollment.enroll(request, address: address, now: UnixTime.nowMillis())
                if try await !perform(machine.enrollmentFinished(requestID: requestID, result: result)) { return false }
            case .renew(let requestID, let hostID, let request):
                let result = services.enrollment.renew(request, hostID: hostID, now: UnixTime.nowMillis())
                if try await !perform(machine.renewalFinished(requestID: requestID, result: result)) { return false }
            case .commandAck(let ack):
                if let hostID = establishedHostID { await services.commands.commandAcknowledged(hostID: hostID, ack) }
            case .commandProgress(let progress):
                if let hostID = establishedHostID { await services.commands.commandProgress(hostID: hostID, progress) }
            case .commandResult(let result):
                if let hostID = establishedHostID { await services.commands.commandResult(hostID: hostID, result) }
            case .commandFailed(let commandID, let reason):
                if let hostID = establishedHostID {
                    await services.commands.commandFailed(hostID: hostID, commandID: commandID, reason: reason)
                }
            case .peerLost:
                knownCause = .lost
            case .peerGoodbye(let reason):
                knownCause = .goodbye(reason)
            case .log(let text):
                services.logger.debug(text, ["peer.address": address])
            }
        }
        return true
    }
}
