import ArgumentParser
import DroverTestSupport
import DroverWire
import NIOCore
import NIOPosix

/// `drover-bench tls-loop`: handshake, transfer and close, repeated — the workload the leak check
/// runs under LeakSanitizer. Every iteration does a full in-memory mutual-TLS handshake, sends
/// frames both ways (one larger than a TLS record, one compressed) and decodes them again (the
/// compressed one inflated), closes with close_notify; then a loopback run pushes frames
/// through real sockets. Prints what it did; any failure exits non-zero.
struct TLSLoop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls-loop",
        abstract: "Repeated handshake + transfer + close (in memory and over loopback), for leak checks."
    )

    @Option(help: "In-memory handshake/transfer/close iterations.")
    var iterations = 50
    @Option(help: "Loopback connections in the socket phase (0 skips it).")
    var connections = 2
    @Option(help: "Frames per loopback connection.")
    var frames = 200
    @Flag(help: "Leak one object on purpose (the leak check proves it would notice).")
    var deliberateLeak = false

    func run() async throws {
        if deliberateLeak {
            // Retained and the only pointer dropped: unreachable, so a leak checker must flag it.
            _ = Unmanaged.passRetained(LeakCanary(bytes: [UInt8](repeating: 1, count: 4_096))).toOpaque().hashValue
        }
        let tls = try BenchTLS()
        var received = 0
        for iteration in 0..<iterations {
            if iteration % 2 == 0 { tls.forgetSessions() }  // mix full and resumed handshakes
            received += try Self.transfer(tls: tls)
        }
        print("in-memory: \(iterations) handshakes, \(received) plaintext bytes delivered")

        if connections > 0 {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let trial = FrameThroughput(connections: connections, framesPerConnection: frames, payloadSize: 300)
            let result: FrameThroughput.Result
            do {
                result = try await trial.run(group: group, tls: tls)
            } catch {
                try? await group.shutdownGracefully()
                throw error
            }
            try await group.shutdownGracefully()
            print("loopback: \(result.frames) frames over \(connections) TLS connections")
        }
    }

    /// One connection's life: handshake, frames both ways, close. Returns plaintext bytes delivered.
    static func transfer(tls: BenchTLS) throws -> Int {
        let pair = try EmbeddedTLSPair(
            clientContext: tls.clientContext, serverContext: tls.serverContext, serverHostname: TestPKI.serverName)
        defer { pair.finish() }
        try pair.handshake()
        guard pair.clientRecorder.peerInfo != nil, pair.serverRecorder.peerInfo != nil else {
            throw BenchError.handshakeDidNotComplete("\(pair.clientRecorder.errors + pair.serverRecorder.errors)")
        }
        var expected = 0
        for size in [64, 1_000, 40_000] {
            var bytes = ByteBuffer()
            try FrameEncoder.encode(
                Frame(type: .hostReport, requestID: 1, payload: ByteBuffer(repeating: 0x5A, count: size)),
                into: &bytes, compress: size > 1_000)
            expected += bytes.readableBytes
            pair.client.writeAndFlush(bytes, promise: nil)
            pair.server.writeAndFlush(bytes, promise: nil)
        }
        try pair.interact()
        let toServer = pair.serverRecorder.received.readableBytes
        let toClient = pair.clientRecorder.received.readableBytes
        guard toServer == expected, toClient == expected else {
            throw BenchError.handshakeDidNotComplete("transfer incomplete: \(toServer)/\(toClient) of \(expected) bytes")
        }
        // Decode what each side received: the compressed frames are inflated (zlib's inflate
        // state is allocated and freed per frame), the others taken as they are.
        for var received in [pair.serverRecorder.received, pair.clientRecorder.received] {
            var decoder = FrameDecoder(limits: .default)
            var sizes: [Int] = []
            while let frame = try decoder.decode(buffer: &received) {
                guard frame.payload.readableBytesView.allSatisfy({ $0 == 0x5A }) else {
                    throw BenchError.handshakeDidNotComplete("a decoded payload differs from the one sent")
                }
                sizes.append(frame.payload.readableBytes)
            }
            guard sizes == [64, 1_000, 40_000] else {
                throw BenchError.handshakeDidNotComplete("decoded payload sizes \(sizes), expected [64, 1000, 40000]")
            }
        }
        pair.client.close(promise: nil)
        try pair.interact()
        return toServer + toClient
    }
}

/// The object `tls-loop --deliberate-leak` leaks.
final class LeakCanary {
    let bytes: [UInt8]
    init(bytes: [UInt8]) { self.bytes = bytes }
}
