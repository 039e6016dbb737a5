import DroverSession
import DroverTLS
import DroverWire
import NIOCore

/// Carries out one accepted connection's ``ServerSessionStateMachine`` actions: writes
/// frames, reports to the ``HostReportSink``, runs enrollment, closes.
///
/// Lives inside one task (the connection's), which runs on the channel's event loop; once the
/// session is established it is also the connection's ``SessionFastPath`` and handles
/// heartbeats and host reports right where they are decoded, on the same thread. So it needs
/// no locking.
final class AgentConnection: SessionFastPath {
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
    /// Events of the stream finished by ``handle(_:)`` (``SessionFastPath``).
    private(set) var eventsHandled = 0
    /// Whether heartbeats and reports may take the fast path: from the end of establishment.
    private var steady = false
    /// The fast path closed the connection (its reason stands).
    private var closedOnEventLoop = false

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
        if case .inboundEnded(let error) = event { return await inboundEnded(error) }
        // Counted once finished: until then, later frames wait their turn behind this event.
        defer { eventsHandled += 1 }
        return try await perform(actions(for: event))
    }

    /// Handles a heartbeat or host report of an established session on the event loop
    /// (``SessionFastPath``); other frames, and every frame before establishment, go to ``handle(_:)``.
    func handle(_ frame: Frame, write: (ByteBuffer) -> Void) -> SessionFastPathOutcome? {
        guard steady,
            let actions = machine.receiveSteady(frame, now: .now, nowUnixMs: UnixTime.nowMillis())
        else { return nil }
        for action in actions {
            switch action {
            case .send(let envelope):
                do {
                    write(try writer.encode(envelope))
                } catch {
                    return closeOnEventLoop(reason: "cannot encode \(envelope.message.messageType): \(error)")
                }
            case .hostReport(let report):
                deliver(report)
            case .close(let envelope, let reason):
                if let envelope, let bytes = try? writer.encode(envelope) { write(bytes) }
                return closeOnEventLoop(reason: reason)
            case .log(let text):
                services.logger.debug(text, ["peer.address": address])
            }
        }
        return .handled
    }

    /// Hands a report of the established host to the sink (both paths).
    private func deliver(_ report: Drover_V1_HostReport) {
        guard let hostID = establishedHostID else { return }
        services.reportSink.hostReport(hostID: hostID, report: report, receivedAt: UnixTime.nowMillis())
    }

    private func closeOnEventLoop(reason: String) -> SessionFastPathOutcome {
        machine.connectionClosed()
        closeReason = reason
        closedOnEventLoop = true
        return .close
    }

    /// What the state machine makes of `event` (synchronous, so out of the async frames).
    @inline(never)
    private func actions(for event: SessionEvent) -> [ServerSessionStateMachine.Action] {
        switch event {
        case .frame(let frame):
            return machine.receive(frame, now: .now, nowUnixMs: UnixTime.nowMillis())
        case .tick:
            return machine.tick(now: .now)
        case .shutdown(let reason):
            knownCause = reason == HostRegistry.replacedReason ? .replaced : .controllerShutdown
            return machine.shutdown(reason: reason, reconnectAfter: services.configuration.reconnectAfter)
        case .command(let command):
            return machine.sendCommand(command)
        case .commandUpdate, .inboundEnded:
            return []  // commandUpdate is agent-side, never queued on a controller session
        }
    }

    @inline(never)
    private func inboundEnded(_ error: (any Error)?) async -> Bool {
        if closedOnEventLoop { return false }
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

    private func perform(_ actions: [ServerSessionStateMachine.Action]) async throws -> Bool {
        for action in actions {
            guard try await perform(action) else { return false }
        }
        return true
    }

    /// Carries out one action. The rare and heavy cases (establishment, enrollment, commands)
    /// each have a function of their own, kept out of line: an async function's frame holds the
    /// locals of all its branches, and a session task keeps the deepest stack it ever reached
    /// allocated until it ends — with one branchy function here that was 5.6 KB per session.
    private func perform(_ action: ServerSessionStateMachine.Action) async throws -> Bool {
        switch action {
        case .send(let envelope):
            try await writer.write(envelope)
        case .close(let envelope, let reason):
            closeReason = reason
            if let envelope { try? await writer.write(envelope) }
            return false
        case .established, .enroll, .renew, .commandAck, .commandProgress, .commandResult, .commandFailed:
            return try await performRare(action)
        case .hostReport(let report):
            deliver(report)
        case .peerLost:
            knownCause = .lost
        case .peerGoodbye(let reason):
            knownCause = .goodbye(reason)
        case .log(let text):
            services.logger.debug(text, ["peer.address": address])
        }
        return true
    }

    /// The actions that are not on the path of every heartbeat and report.
    @inline(never)
    private func performRare(_ action: ServerSessionStateMachine.Action) async throws -> Bool {
        switch action {
        case .established(let session):
            await established(session)
        case .enroll(let requestID, let request):
            return try await enroll(requestID: requestID, request)
        case .renew(let requestID, let hostID, let request):
            return try await renew(requestID: requestID, hostID: hostID, request)
        default:
            await commandUpdate(action)
        }
        return true
    }

    @inline(never)
    private func established(_ session: NegotiatedSession) async {
        writer.apply(session)
        guard case .agent(let hostID) = machine.kind else { return }
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
        // The host is in the inventory: its reports may now go there straight from the event loop.
        steady = true
    }

    @inline(never)
    private func enroll(requestID: UInt32, _ request: Drover_V1_EnrollRequest) async throws -> Bool {
        let result = services.enrollment.enroll(request, address: address, now: UnixTime.nowMillis())
        return try await perform(machine.enrollmentFinished(requestID: requestID, result: result))
    }

    @inline(never)
    private func renew(requestID: UInt32, hostID: String, _ request: Drover_V1_EnrollRequest) async throws -> Bool {
        let result = services.enrollment.renew(request, hostID: hostID, now: UnixTime.nowMillis())
        return try await perform(machine.renewalFinished(requestID: requestID, result: result))
    }

    @inline(never)
    private func commandUpdate(_ action: ServerSessionStateMachine.Action) async {
        guard let hostID = establishedHostID else { return }
        switch action {
        case .commandAck(let ack):
            await services.commands.commandAcknowledged(hostID: hostID, ack)
        case .commandProgress(let progress):
            await services.commands.commandProgress(hostID: hostID, progress)
        case .commandResult(let result):
            await services.commands.commandResult(hostID: hostID, result)
        case .commandFailed(let commandID, let reason):
            await services.commands.commandFailed(hostID: hostID, commandID: commandID, reason: reason)
        default:
            break
        }
    }
}
