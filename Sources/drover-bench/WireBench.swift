import ArgumentParser
import DroverTLS
import NIOCore
import NIOPosix

/// `drover-bench wire`: (a) frame throughput through Drover's TLS versus the same pipeline over
/// plain TCP, (b) full mutual-TLS handshakes through DroverTLS versus raw OpenSSL in memory.
struct WireBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Frames over TLS vs plain TCP, and DroverTLS handshakes vs raw OpenSSL, in one run.",
        discussion: """
            Rounds alternate baseline and Drover so drift hits both equally; the report gives \
            medians and the ratios Drover/baseline (targets: frames >= 0.6, handshakes >= 0.8). \
            Build with -c release.
            """
    )

    @Option(help: "Concurrent loopback connections in the throughput test.")
    var connections = 8
    @Option(help: "Frames each connection sends per round.")
    var frames = 40_000
    @Option(help: "Payload bytes per frame (incompressible; the 12-byte header comes on top).")
    var payload = 256
    @Option(help: "Full handshakes per round, for each side of the handshake comparison.")
    var handshakes = 1_000
    @Option(help: "Rounds per measurement; medians are reported.")
    var rounds = 5
    @Option(help: "Event loop threads (default: one per core).")
    var threads = System.coreCount
    @Flag(help: "Print one JSON object instead of the table.")
    var json = false
    @Flag(help: "Exit with status 1 when a ratio misses its target.")
    var check = false

    func validate() throws {
        guard connections > 0, frames > 0, payload >= 0, handshakes > 0, rounds > 0, threads > 0 else {
            throw ValidationError("counts must be positive (payload may be 0)")
        }
    }

    func run() async throws {
        let tls = try BenchTLS()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        do {
            try await measure(tls: tls, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    private func measure(tls: BenchTLS, group: MultiThreadedEventLoopGroup) async throws {
        let trial = FrameThroughput(connections: connections, framesPerConnection: frames, payloadSize: payload)

        // Warm-up: connection setup paths, allocator, first handshakes.
        _ = try await FrameThroughput(connections: connections, framesPerConnection: 1_000, payloadSize: payload)
            .run(group: group, tls: nil)
        _ = try await FrameThroughput(connections: connections, framesPerConnection: 1_000, payloadSize: payload)
            .run(group: group, tls: tls)

        var plain: [FrameThroughput.Result] = []
        var secure: [FrameThroughput.Result] = []
        for round in 1...rounds {
            plain.append(try await trial.run(group: group, tls: nil))
            secure.append(try await trial.run(group: group, tls: tls))
            progress("frames round \(round)/\(rounds)")
        }

        let raw = RawHandshake(
            clientContext: tls.clientContext._unsafeSSLContext,
            serverContext: tls.serverContext._unsafeSSLContext,
            serverName: "controller.drover.test")
        let drover = DroverHandshake(tls: tls)
        for _ in 0..<20 {
            try raw.run()
            try drover.run()
        }
        var rawRates: [Double] = []
        var droverRates: [Double] = []
        let clock = ContinuousClock()
        for round in 1...rounds {
            var start = clock.now
            for _ in 0..<handshakes { try raw.run() }
            rawRates.append(Double(handshakes) / Statistics.seconds(clock.now - start))
            start = clock.now
            for _ in 0..<handshakes { try drover.run() }
            droverRates.append(Double(handshakes) / Statistics.seconds(clock.now - start))
            progress("handshake round \(round)/\(rounds)")
        }

        let report = WireReport(
            connections: connections, frames: frames, payload: payload, handshakes: handshakes, rounds: rounds,
            threads: threads,
            plainFramesPerSecond: Statistics.median(plain.map(\.framesPerSecond)),
            plainMegabytesPerSecond: Statistics.median(plain.map(\.megabytesPerSecond)),
            tlsFramesPerSecond: Statistics.median(secure.map(\.framesPerSecond)),
            tlsMegabytesPerSecond: Statistics.median(secure.map(\.megabytesPerSecond)),
            rawHandshakesPerSecond: Statistics.median(rawRates),
            droverHandshakesPerSecond: Statistics.median(droverRates))
        print(json ? report.json : report.table)
        if check && !report.meetsTargets { throw ExitCode(1) }
    }

    private func progress(_ text: String) {
        guard !json else { return }
        print("  … \(text)")
    }
}
