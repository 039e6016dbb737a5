import ArgumentParser
import DroverAgent
import DroverController
import DroverProxy
import DroverSession
import DroverStore
import DroverTestSupport
import DroverWire
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// `drover-bench leak-loop`: the long-lived parts the TLS loop does not reach, repeated for a
/// leak checker — a real controller–agent session (ControllerService and AgentService over
/// loopback mutual TLS: enrollment, heartbeats, host reports, Goodbye) and a ServiceProxy
/// forwarding requests to a tiny backend, each started and stopped several times.
struct LeakLoop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leak-loop",
        abstract: "Controller–agent sessions and proxy forwarding, started and stopped, for leak checks."
    )

    @Option(help: "Controller + agent lives (each enrolls once, then reconnects).")
    var sessions = 2
    @Option(help: "Host reports the controller must receive per session.")
    var reports = 3
    @Option(help: "Proxy lives.")
    var proxies = 2
    @Option(help: "Requests per proxy life.")
    var requests = 20

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/drover-leak-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var received = 0
        for life in 0..<sessions {
            received += try await Self.session(directory: directory, life: life, reports: reports)
        }
        print("sessions: \(sessions) controller/agent lives, \(received) host reports received")
        var answered = 0
        for _ in 0..<proxies {
            answered += try await Self.proxy(requests: requests)
        }
        print("proxy: \(proxies) proxy lives, \(answered) requests forwarded")
    }

    /// One controller and one agent (enrolled on the first life, the same identity after) until
    /// the controller has `reports` host reports; both are shut down gracefully.
    static func session(directory: String, life: Int, reports: Int) async throws -> Int {
        let sink = CountingSink()
        var policy = ServerHelloPolicy()
        policy.heartbeatInterval = .milliseconds(200)
        let controller = try ControllerService(
            configuration: ControllerConfiguration(
                dataDirectory: directory + "/controller", listenHost: "127.0.0.1", listenPort: 0,
                serverNames: ["controller.drover.test"], helloPolicy: policy),
            makeReportSink: { _ in sink })
        let quiet = DroverLogger(label: "leak-loop", minimumLevel: .error)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await controller.run { address in
                    portContinuation.yield(address.port ?? 0)
                    portContinuation.finish()
                }
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                controller.shutdown()
                throw LeakLoopError("the controller did not listen")
            }
            var configuration = AgentConfiguration(
                controllerHost: "127.0.0.1", controllerPort: port,
                joinToken: life == 0
                    ? try controller.store.createJoinToken(
                        ttl: .seconds(600), uses: 1, labels: [:], now: UnixTime.nowMillis()
                    ).tokenString : nil,
                caPin: controller.caPin, stateDirectory: directory + "/agent", name: "leak-host",
                reportInterval: .milliseconds(100), serverName: "controller.drover.test")
            configuration.revertAfter = nil
            let agent = AgentService(configuration: configuration, logger: quiet)
            group.addTask { try await agent.run() }
            do {
                try await withDeadline(.seconds(30), what: "\(reports) host reports") {
                    while sink.reports < reports { try await Task.sleep(for: .milliseconds(20)) }
                }
            } catch {
                agent.shutdown()
                controller.shutdown()
                try? await group.waitForAll()
                throw error
            }
            agent.shutdown()
            // The agent's Goodbye reaches the controller before it stops serving.
            try await withDeadline(.seconds(10), what: "the agent's disconnect") {
                while sink.disconnects < 1 { try await Task.sleep(for: .milliseconds(20)) }
            }
            controller.shutdown()
            try await group.waitForAll()
            return sink.reports
        }
    }

    /// A ServiceProxy in front of a tiny backend forwards `requests` keep-alive GETs, then closes.
    static func proxy(requests: Int) async throws -> Int {
        let backend = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(TinyBackend()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let backendPort = backend.localAddress?.port else { throw LeakLoopError("backend") }
        let proxy = try ServiceProxy(
            configuration: ServiceProxyConfiguration(host: "127.0.0.1", port: 0),
            table: RoutingTable(backends: [
                Backend(id: "tiny", version: "v1", host: "127.0.0.1", port: backendPort, weight: RoutingTable.fullWeight)
            ]))
        var answered = 0
        do {
            let port = try await proxy.start()
            answered = try await withHTTPClient(host: "127.0.0.1", port: port) { client in
                var ok = 0
                for index in 0..<requests {
                    let response = try await client.get("/r/\(index)", close: index == requests - 1)
                    guard response.status == 200, response.body == "ok" else {
                        throw LeakLoopError("proxy answered \(response.status) \(response.body)")
                    }
                    ok += 1
                }
                return ok
            }
        } catch {
            await proxy.close(timeout: .seconds(2))
            try? await backend.close()
            throw error
        }
        await proxy.close(timeout: .seconds(5))
        try await backend.close()
        return answered
    }
}

/// Counts what the controller's sessions deliver.
final class CountingSink: HostReportSink {
    private let counts = Mutex((reports: 0, disconnects: 0))

    var reports: Int { counts.withLock { $0.reports } }
    var disconnects: Int { counts.withLock { $0.disconnects } }

    func hostConnected(_ host: ConnectedHost) async {}

    func hostReport(hostID: String, report: Drover_V1_HostReport, receivedAt: Int64) {
        counts.withLock { $0.reports += 1 }
    }

    func hostDisconnected(hostID: String, cause: DisconnectCause) async {
        counts.withLock { $0.disconnects += 1 }
    }
}

/// Answers every request head it sees with `200 ok`, keeping the connection open.
final class TinyBackend: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let pending = Mutex<[UInt8]>([])
    static let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok".utf8)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        let heads = pending.withLock { pending -> Int in
            pending += bytes
            var count = 0
            while let end = Self.headEnd(in: pending) {
                pending.removeFirst(end)
                count += 1
            }
            return count
        }
        guard heads > 0 else { return }
        for _ in 0..<heads {
            context.write(wrapOutboundOut(ByteBuffer(bytes: Self.answer)), promise: nil)
        }
        context.flush()
    }

    /// The offset after the first `\r\n\r\n`, if any (GET requests carry no body).
    static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count
        where bytes[index - 3] == 13 && bytes[index - 2] == 10 && bytes[index - 1] == 13 && bytes[index] == 10 {
            return index + 1
        }
        return nil
    }
}

/// A leak-loop step that did not complete.
struct LeakLoopError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
