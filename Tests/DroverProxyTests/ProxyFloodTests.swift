import DroverProxy
import NIOCore
import NIOPosix
import Testing

/// Opens a raw connection that sends nothing (a flood's socket); the caller closes it.
func openIdleConnection(port: Int) async throws -> any Channel {
    try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port).get()
}

/// Closes every channel, ignoring those the proxy closed already.
func closeAll(_ channels: [any Channel]) async {
    for channel in channels { try? await channel.close() }
}

/// The connection cap and idle floods over real sockets.
@Suite(.timeLimit(.minutes(2))) struct ProxyFloodTests {
    @Test func pastTheCapNewConnectionsWaitUntilOneCloses() async throws {
        try await withRecordingBackend { backend in
            let limits = ServiceProxyConfiguration.Limits(headTimeout: .seconds(60), maxConnections: 3)
            try await withProxy(RoutingTable(backends: [Backend(backend)]), limits: limits) { proxy, port in
                var idle: [any Channel] = []
                do {
                    for _ in 0..<3 { idle.append(try await openIdleConnection(port: port)) }
                    try await waitUntil("three connections open") { await proxy.openConnections() == 3 }
                    // The fourth connects (the kernel's backlog) but is not accepted while three are open.
                    let fourth = Task {
                        try await rawExchange(port: port, "GET /fourth HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n")
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(backend.requests.isEmpty)
                    #expect(await proxy.openConnections() == 3)
                    #expect(proxy.limitCounters.acceptPauses >= 1)
                    try await idle.removeFirst().close()
                    let text = try await fourth.value
                    #expect(responseStatuses(text) == ["200"], "\(text)")
                    #expect(backend.requests.map(\.uri) == ["/fourth"])
                } catch {
                    await closeAll(idle)
                    throw error
                }
                await closeAll(idle)
            }
        }
    }

    @Test func aFloodOfIdleSocketsTimesOutAndOtherWorkIsNotStarved() async throws {
        try await withRecordingBackend { backend in
            let limits = ServiceProxyConfiguration.Limits(headTimeout: .seconds(3), maxConnections: 50)
            let flooded = RoutingTable(backends: [Backend(backend)])
            try await withProxy(flooded, limits: limits) { proxy, port in
                // Another listener on the same event loops stands in for the agent's other work.
                try await withProxy(RoutingTable(backends: [Backend(backend, id: "other", version: "v2")])) { _, otherPort in
                    var idle: [any Channel] = []
                    do {
                        // Four times the cap: 50 accepted, the rest in the listen backlog. The head
                        // deadline is long enough that the cap fills before the first ones time
                        // out, even when connecting is slow on a loaded machine.
                        for _ in 0..<200 { idle.append(try await openIdleConnection(port: port)) }
                        let clock = ContinuousClock()
                        let began = clock.now
                        let other = try await rawExchange(
                            port: otherPort, "GET /health HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n")
                        #expect(responseStatuses(other) == ["200"], "\(other)")
                        #expect(clock.now - began < .seconds(2), "other work waited \(clock.now - began)")
                        // The flood's sockets are cut off at the head deadline, a cap's worth at a
                        // time; a new client behind them is then served.
                        let text = try await rawExchange(
                            port: port, "GET /late HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n")
                        #expect(responseStatuses(text) == ["200"], "\(text)")
                        // It got a slot only after all but a cap's worth of the flood had timed out.
                        let counters = proxy.limitCounters
                        #expect(counters.headTimeouts >= 150, "\(counters)")
                        #expect(counters.refusedConnections == 0, "\(counters)")
                        #expect(counters.acceptPauses >= 1, "\(counters)")
                        #expect(backend.requests.map(\.uri) == ["/health", "/late"])
                    } catch {
                        await closeAll(idle)
                        throw error
                    }
                    await closeAll(idle)
                }
            }
        }
    }
}
