/// The figures `drover-bench wire` measured, and how they read as a table or JSON.
struct WireReport {
    static let frameTarget = 0.6
    static let handshakeTarget = 0.8

    var connections: Int
    var frames: Int
    var payload: Int
    var handshakes: Int
    var rounds: Int
    var threads: Int
    var plainFramesPerSecond: Double
    var plainMegabytesPerSecond: Double
    var tlsFramesPerSecond: Double
    var tlsMegabytesPerSecond: Double
    var rawHandshakesPerSecond: Double
    var droverHandshakesPerSecond: Double

    var frameRatio: Double { tlsFramesPerSecond / plainFramesPerSecond }
    var handshakeRatio: Double { droverHandshakesPerSecond / rawHandshakesPerSecond }
    var meetsTargets: Bool { frameRatio >= Self.frameTarget && handshakeRatio >= Self.handshakeTarget }

    var table: String {
        let f = Statistics.format
        func verdict(_ ratio: Double, _ target: Double) -> String { ratio >= target ? "meets" : "MISSES" }
        return """
            drover-bench wire — medians of \(rounds) rounds, \(threads) event-loop threads
            (a) frames: \(connections) connections × \(frames) frames, \(payload) B payload + 12 B header
                plain TCP        \(f(plainFramesPerSecond, 0)) frames/s   \(f(plainMegabytesPerSecond, 1)) MB/s
                Drover TLS       \(f(tlsFramesPerSecond, 0)) frames/s   \(f(tlsMegabytesPerSecond, 1)) MB/s
                ratio TLS/plain  \(f(frameRatio, 3))  (target ≥ \(Self.frameTarget): \(verdict(frameRatio, Self.frameTarget)))
            (b) full mutual-TLS handshakes, in memory, one thread, \(handshakes) per round
                raw OpenSSL      \(f(rawHandshakesPerSecond, 1)) handshakes/s
                DroverTLS        \(f(droverHandshakesPerSecond, 1)) handshakes/s
                ratio Drover/raw \(f(handshakeRatio, 3))  (target ≥ \(Self.handshakeTarget): \(verdict(handshakeRatio, Self.handshakeTarget)))
            """
    }

    var json: String {
        let f = Statistics.format
        return """
            {"benchmark":"wire","rounds":\(rounds),"threads":\(threads),\
            "frames":{"connections":\(connections),"framesPerConnection":\(frames),"payloadBytes":\(payload),\
            "plainFramesPerSecond":\(f(plainFramesPerSecond, 1)),"plainMBPerSecond":\(f(plainMegabytesPerSecond, 2)),\
            "tlsFramesPerSecond":\(f(tlsFramesPerSecond, 1)),"tlsMBPerSecond":\(f(tlsMegabytesPerSecond, 2)),\
            "ratio":\(f(frameRatio, 4)),"target":\(Self.frameTarget)},\
            "handshakes":{"perRound":\(handshakes),"rawPerSecond":\(f(rawHandshakesPerSecond, 2)),\
            "droverPerSecond":\(f(droverHandshakesPerSecond, 2)),"ratio":\(f(handshakeRatio, 4)),\
            "target":\(Self.handshakeTarget)},"meetsTargets":\(meetsTargets)}
            """
    }
}
