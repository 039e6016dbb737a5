import DroverAgent
import DroverSession
import DroverTLS
import DroverWire
import NIOCore
import NIOPosix
import SwiftProtobuf
import Synchronization

/// One stand-in host for `drover-bench fleet`: its own enrolled identity, its own mutual-TLS
/// connection, the real session state machine, reconnect backoff with full jitter, and a host
/// report every heartbeat interval.
///
/// What it leaves out is only the host itself: reports come from ``SimulatedHost`` instead of
/// `/proc`, and the loop ticks once a second rather than four times (10,000 agents share one
/// process, and the controller sees the same traffic either way).
///
/// Report-to-inventory latency: the report is written immediately before a heartbeat, in the
/// same flush; the reports written before a heartbeat request (every sixth by default, the
/// others are one-way, §7.1) are the samples. The controller handles a session's frames one at
/// a time, in order, and hands a report to the inventory before it reads the next frame, so the
/// heartbeat's answer arrives only after the report is in the inventory. The time from writing the report to that
/// answer is therefore an upper bound of the report's way into the inventory (it adds the
/// heartbeat's own trip back).
struct SimulatedAgent: Sendable {
    let identity: AgentIdentity
    let controllerHost: String
    let controllerPort: Int
    let serverName: String
    let bindAddress: String
    let seed: UInt64
    /// The host's index in the fleet.
    var index = 0
    /// How it carries out swap commands; `nil` rejects them (the fleet benchmark).
    var swaps: SwapSimulation?

    /// Runs sessions until the task is cancelled.
    func run(counters: FleetCounters) async {
        let context: TLSContext
        do {
            var tls = TLSConfiguration.client(
                certificateChain: [identity.certificate], privateKey: identity.key,
                trustRoots: [identity.caCertificate], peerVerification: .fullVerification)
            tls.alpnProtocols = [DroverVersion.alpn]
            context = try TLSContext(configuration: tls)
        } catch {
            counters.recordFailure("TLS context: \(error)")
            return
        }
        var host = SimulatedHost(seed: seed)
        var backoff = ReconnectBackoff()
        while !Task.isCancelled {
            var delay: Duration
            do {
                let (established, ending) = try await session(context: context, host: &host, counters: counters)
                // The benchmark is over: its own cancellation ended the session, nothing was lost.
                if Task.isCancelled { return }
                if established { backoff.reset() }
                if case .goodbye(_, let reconnectAfter) = ending {
                    delay = max(reconnectAfter, backoff.nextDelay())
                } else {
                    if established {
                        counters.recordLoss(Self.cause(of: ending))
                    } else if case .failed(let reason) = ending {
                        counters.recordFailure("session: \(reason)")
                    }
                    delay = backoff.nextDelay()
                }
            } catch {
                counters.recordFailure(Self.cause(of: error))
                delay = backoff.nextDelay()
            }
            do { try await Task.sleep(for: delay) } catch { return }
        }
    }

    /// Why an established session ended, shortened like ``cause(of:)-(any Error)``.
    static func cause(of ending: ClientSessionStateMachine.Ending) -> String {
        let text: String
        switch ending {
        case .failed(let reason): text = reason
        case .refused(let error): text = "refused: \(error)"
        case .goodbye(let reason, _): text = "goodbye: \(reason)"
        case .enrolled: text = "enrolled"
        }
        return String(text.prefix(while: { $0 != "(" && $0 != "[" }).prefix(100))
    }

    /// A failed attempt's error with the parts that differ between attempts (addresses, ports) left out.
    static func cause(of error: any Error) -> String {
        let text = "\(type(of: error)): \(error)"
        return String(text.prefix(while: { $0 != "(" && $0 != "[" }).prefix(100))
    }

    private func session(
        context: TLSContext, host: inout SimulatedHost, counters: FleetCounters
    ) async throws -> (Bool, ClientSessionStateMachine.Ending) {
        let serverName = self.serverName
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .bind(to: try SocketAddress(ipAddress: bindAddress, port: 0))
            .connect(to: try SocketAddress(ipAddress: controllerHost, port: controllerPort)) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try FrameConnection.configure(
                        channel, tls: OpenSSLHandler(context: context, serverHostname: serverName), limits: .default)
                }
            }
        do {
            let peer = try await connection.peer()
            counters.handshakes.add(1, ordering: .relaxed)
            if peer.resumed { counters.resumedHandshakes.add(1, ordering: .relaxed) }
        } catch {
            await connection.discard()
            throw error
        }
        let hostname = identity.hostID
        var localHost = host
        defer { host = localHost }
        let swaps = self.swaps
        let index = self.index
        return try await connection.channel.executeThenClose { inbound, outbound in
            // Results of simulated swaps are sent when their timer fires; the timers die with the session.
            try await withThrowingTaskGroup(of: Void.self) { pending in
                defer { pending.cancelAll() }
                let events = AsyncStream.makeStream(of: SessionEvent.self)
                var writer = FrameWriter(outbound: outbound)
                var machine = ClientSessionStateMachine(kind: .agent, policy: ClientHelloPolicy(hostname: hostname))
                var established = false
                var ending = ClientSessionStateMachine.Ending.failed("connection ended")
                var reportWrittenAt: ContinuousClock.Instant?
                var lastReportUnixMs: Int64 = 0
                defer { if established { counters.open.subtract(1, ordering: .relaxed) } }

                func perform(_ actions: [ClientSessionStateMachine.Action]) async throws -> Bool {
                    for action in actions {
                        switch action {
                        case .send(let envelope):
                            // One flush for the report and the heartbeat, as the agent does.
                            var frames: [Envelope] = []
                            if case .heartbeat = envelope.message, !envelope.isResponse, machine.isEstablished {
                                // Every heartbeat carries a report just before it (see the type's comment).
                                let now = UnixTime.nowMillis()
                                let report = localHost.nextReport(
                                    collectedUnixMs: now,
                                    intervalMs: lastReportUnixMs == 0 ? 0 : UInt32(clamping: now - lastReportUnixMs))
                                lastReportUnixMs = now
                                for reportAction in machine.report(report) {
                                    guard case .send(let reportEnvelope) = reportAction else { continue }
                                    if case .hostReport(let sent) = reportEnvelope.message {
                                        counters.reportBytes.add(
                                            ((try? sent.serializedBytes()) as [UInt8]?)?.count ?? 0, ordering: .relaxed)
                                    }
                                    frames.append(reportEnvelope)
                                }
                            }
                            frames.append(envelope)
                            // Only a heartbeat request is answered, so only its report gets a latency sample.
                            if frames.count > 1, envelope.requestID != 0 { reportWrittenAt = .now }
                            try await writer.write(contentsOf: frames)
                            counters.reports.add(frames.count - 1, ordering: .relaxed)
                        case .established(let session):
                            writer.apply(session)
                            established = true
                            counters.open.add(1, ordering: .relaxed)
                            counters.established.add(1, ordering: .relaxed)
                        case .close(let envelope, let end):
                            if let envelope { try? await writer.write(envelope) }
                            ending = end
                            return false
                        case .command(let requestID, let command):
                            guard let swaps else {
                                var ack = Drover_V1_CommandAck()
                                ack.commandID = command.id
                                ack.status = .rejected
                                ack.reason = "the fleet benchmark's simulated agents run no services"
                                if try await !perform(machine.answerCommand(requestID: requestID, ack)) { return false }
                                continue
                            }
                            let (ack, result) = swaps.receive(command, host: index)
                            if try await !perform(machine.answerCommand(requestID: requestID, ack)) { return false }
                            if let (after, result) = result {
                                let continuation = events.continuation
                                pending.addTask {
                                    try? await Task.sleep(for: after)
                                    continuation.yield(.commandUpdate(.commandResult(result)))
                                }
                            }
                        case .renewed, .renewalFailed, .log:
                            break
                        }
                    }
                    return true
                }

                guard try await perform(machine.start(now: .now)) else { return (established, ending) }
                try await SessionDriver.run(inbound: inbound, tickInterval: .seconds(1), events: events) { event in
                    switch event {
                    case .frame(let frame):
                        if frame.type == .heartbeat, frame.flags.contains(.response), let written = reportWrittenAt {
                            counters.recordLatency(.now - written)
                            reportWrittenAt = nil
                        }
                        return try await perform(machine.receive(frame, now: .now))
                    case .tick:
                        return try await perform(machine.tick(now: .now, nowUnixMs: UnixTime.nowMillis()))
                    case .shutdown(let reason):
                        return try await perform(machine.shutdown(reason: reason))
                    case .commandUpdate(let update):
                        if case .commandResult(let result) = update { swaps?.sent(result) }
                        return try await perform(machine.commandUpdate(update))
                    case .command:
                        return true
                    case .inboundEnded(let error):
                        ending = .failed(
                            error.map { "connection lost: \($0)" } ?? "the controller closed the connection")
                        return false
                    }
                }
                return (established, ending)
            }
        }
    }
}
