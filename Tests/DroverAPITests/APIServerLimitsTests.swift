@testable import DroverAPI
import DroverStore
import DroverTLS
import DroverTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

/// A TLS connection to the API that sends and reads raw bytes (to trickle, malform and flood).
struct RawTLSConnection {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(port: Int) async throws -> RawTLSConnection {
        var configuration = TLSConfiguration.client(
            trustRoots: [TestPKI.shared.ca.certificate], peerVerification: .fullVerification)
        configuration.alpnProtocols = ["http/1.1"]
        let context = try TLSContext(configuration: configuration)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        OpenSSLHandler(context: context, serverHostname: "127.0.0.1"))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return RawTLSConnection(channel: channel)
    }

    /// Sends `text` in pieces of `piece` bytes, `pause` apart, until the server closes (or all is
    /// sent); then reads until the server closes. Returns what the server sent.
    func trickle(_ text: String, piece: Int = 1, pause: Duration, within limit: Duration) async throws -> String {
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    let bytes = Array(text.utf8)
                    var index = 0
                    while index < bytes.count {
                        let end = min(bytes.count, index + piece)
                        do {
                            try await outbound.write(ByteBuffer(bytes: bytes[index..<end]))
                        } catch {
                            return nil
                        }
                        index = end
                        try await Task.sleep(for: pause)
                    }
                    return nil
                }
                group.addTask {
                    var received = ByteBuffer()
                    do {
                        for try await var chunk in inbound { received.writeBuffer(&chunk) }
                    } catch {
                        // A reset after the answer still counts as closed.
                    }
                    return String(buffer: received)
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    throw LimitTestTimeout()
                }
                while let result = try await group.next() {
                    if let answer = result {
                        group.cancelAll()
                        return answer
                    }
                }
                return ""
            }
        }
    }
}

/// The JSON body of a raw HTTP answer.
func rawBody(_ answer: String) -> APIErrorBody? {
    guard let split = answer.range(of: "\r\n\r\n") else { return nil }
    return try? JSONDecoder().decode(APIErrorBody.self, from: Data(answer[split.upperBound...].utf8))
}

@Suite("API server limits over loopback TLS")
struct APIServerLimitsTests {
    @Test("a client trickling a head (one byte per 100 ms, well within the idle timeout) gets 408 at the deadline")
    func slowloris() async throws {
        try await withAPIServer(configure: {
            $0.requestTimeout = .milliseconds(800)
            $0.idleTimeoutSeconds = 60
        }) { api in
            let started = ContinuousClock.now
            let connection = try await RawTLSConnection.connect(port: api.port)
            let answer = try await connection.trickle(
                "GET /healthz HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-Pad: y\r\n", count: 100) + "\r\n",
                pause: .milliseconds(100), within: .seconds(20))
            let elapsed = ContinuousClock.now - started
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(rawBody(answer)?.error == "request_timeout")
            #expect(elapsed < .seconds(10))
            // The server still serves.
            #expect(try await api.client(token: nil).raw(.GET, "/healthz").0 == 200)
        }
    }

    @Test("a body trickled past the deadline gets 408; a prompt request on the same settings is served")
    func slowBody() async throws {
        try await withAPIServer(configure: { $0.requestTimeout = .milliseconds(800) }) { api in
            let connection = try await RawTLSConnection.connect(port: api.port)
            let answer = try await connection.trickle(
                "POST /v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(api.admin)\r\nContent-Length: 200\r\n\r\n"
                    + String(repeating: " ", count: 200),
                piece: 5, pause: .milliseconds(100), within: .seconds(20))
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(try api.store.listJoinTokens().isEmpty)
            #expect(try await api.client(token: api.admin).raw(.GET, "/v1/tokens").0 == 200)
        }
    }

    @Test("too many or too large header fields get 431 with a JSON error; garbage gets 400")
    func headerLimits() async throws {
        try await withAPIServer(configure: {
            $0.maxHeaderCount = 8
            $0.maxHeaderBytes = 1_024
        }) { api in
            let many = "GET /healthz HTTP/1.1\r\n" + (0..<20).map { "X-H\($0): v\r\n" }.joined() + "\r\n"
            let large = "GET /healthz HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 2_000) + "\r\n\r\n"
            let longURL = "GET /healthz?" + String(repeating: "a", count: 2_000) + " HTTP/1.1\r\n\r\n"
            for request in [many, large, longURL] {
                let answer = try await RawTLSConnection.connect(port: api.port).trickle(
                    request, piece: 4_096, pause: .milliseconds(1), within: .seconds(10))
                #expect(answer.hasPrefix("HTTP/1.1 431"), "\(answer)")
                #expect(rawBody(answer)?.error == "headers_too_large")
            }
            let garbage = try await RawTLSConnection.connect(port: api.port).trickle(
                "\u{1}\u{2} NOT HTTP\r\n\r\n", piece: 4_096, pause: .milliseconds(1), within: .seconds(10))
            #expect(garbage.hasPrefix("HTTP/1.1 400"), "\(garbage)")
            #expect(rawBody(garbage)?.error == "bad_request")
            // Within the limits it is served.
            let fine = try await RawTLSConnection.connect(port: api.port).trickle(
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", piece: 4_096,
                pause: .milliseconds(1), within: .seconds(10))
            #expect(fine.hasPrefix("HTTP/1.1 200"), "\(fine)")
        }
    }

    @Test("connections over the cap are closed at once; a freed slot serves again")
    func connectionCap() async throws {
        try await withAPIServer(configure: { $0.maxConnections = 2 }) { api in
            let first = try await RawTLSConnection.connect(port: api.port)
            let second = try await RawTLSConnection.connect(port: api.port)
            // Both held open (they finish their handshakes when they first send).
            _ = try await first.channel.channel.writeAndFlush(ByteBuffer(string: "GET /healthz HTTP/1.1\r\n"))
            _ = try await second.channel.channel.writeAndFlush(ByteBuffer(string: "GET /healthz HTTP/1.1\r\n"))
            try await pollUntil { APIServerLimitsTests.openConnections(api) == 2 }
            await #expect(throws: (any Error).self) {
                _ = try await api.client(token: nil).raw(.GET, "/healthz")
            }
            try await first.channel.channel.close()
            try await pollUntil { APIServerLimitsTests.openConnections(api) < 2 }
            #expect(try await api.client(token: nil).raw(.GET, "/healthz").0 == 200)
            try await second.channel.channel.close()
        }
    }

    @Test("unauthenticated routes and 401s are budgeted per address: 429 with Retry-After past the burst")
    func rateLimit() async throws {
        try await withAPIServer(configure: { $0.unauthenticatedRateLimit = APIRateLimit(burst: 3, perSecond: 0) }) {
            api in
            let anonymous = try api.client(token: nil)
            for _ in 0..<3 { #expect(try await anonymous.raw(.GET, "/healthz").0 == 200) }
            let (status, body) = try await anonymous.raw(.GET, "/healthz")
            #expect(status == 429)
            #expect(try errorBody(body).error == "rate_limited")
            // Refused tokens draw on the same budget; a good token is not limited.
            #expect(try await api.client(token: "garbage").raw(.GET, "/v1/hosts").0 == 429)
            #expect(try await api.client(token: api.viewer).raw(.GET, "/v1/hosts").0 == 200)
        }
    }

    static func openConnections(_ api: APIHarness) -> Int {
        api.server.openConnections
    }
}

/// Polls `condition` every 20 ms until it holds, failing after `limit`.
func pollUntil(within limit: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else {
            throw LimitTestTimeout()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

@Suite("Rate limiting (pure)")
struct RateLimitTests {
    @Test("a bucket allows its burst, refuses with the wait, refills with time, never beyond its size")
    func bucket() {
        var bucket = TokenBucket(limit: APIRateLimit(burst: 2, perSecond: 4), now: 1_000)
        #expect(bucket.take(now: 1_000) == .allowed)
        #expect(bucket.take(now: 1_000) == .allowed)
        #expect(bucket.take(now: 1_000) == .refused(retryAfterMs: 250))
        #expect(bucket.take(now: 1_100) == .refused(retryAfterMs: 150))
        #expect(bucket.take(now: 1_250) == .allowed)
        // Long idle: full again, but only two.
        #expect(bucket.isFull(now: 1_000_000))
        #expect(bucket.take(now: 1_000_000) == .allowed)
        #expect(bucket.take(now: 1_000_000) == .allowed)
        #expect(bucket.take(now: 1_000_000) == .refused(retryAfterMs: 250))
        // A clock that steps back refills nothing; extreme times do not overflow.
        #expect(bucket.take(now: 0) == .refused(retryAfterMs: 250))
        #expect(bucket.take(now: Int64.max) == .allowed)
        var never = TokenBucket(limit: APIRateLimit(burst: 1, perSecond: 0), now: Int64.min)
        #expect(never.take(now: Int64.min) == .allowed)
        #expect(never.take(now: Int64.max) == .refused(retryAfterMs: nil))
    }

    @Test("addresses have their own buckets; the table stays bounded, forgetting full buckets first")
    func addresses() {
        var limiter = AddressRateLimiter(limit: APIRateLimit(burst: 1, perSecond: 1), maxAddresses: 2)
        #expect(limiter.take("a", now: 0) == .allowed)
        #expect(limiter.take("a", now: 0) == .refused(retryAfterMs: 1_000))
        #expect(limiter.take("b", now: 0) == .allowed)
        #expect(limiter.take("c", now: 10) == .allowed)
        #expect(limiter.buckets.count == 2)
        // "a" is still limited (it was not the stalest... both empty: the stalest went).
        #expect(limiter.take("d", now: 5_000) == .allowed)
        #expect(limiter.buckets.count <= 2)
    }

    @Test("the connection state machine: deadline from accept and from a request's first byte, refusals once")
    func connectionMachine() {
        var machine = APIConnectionStateMachine(timeoutNanoseconds: 100)
        #expect(machine.connectionStarted(now: 0) == .arm(deadline: 100))
        #expect(machine.bytesReceived(now: 50) == .none)
        #expect(machine.requestEnded() == .disarm)
        machine.responseStarted()
        machine.responseEnded()
        // Idle keep-alive: no deadline (the idle timer covers it); the next request's bytes arm it.
        #expect(machine.timerFired(now: 10_000) == .none)
        #expect(machine.bytesReceived(now: 20_000) == .arm(deadline: 20_100))
        #expect(machine.timerFired(now: 20_050) == .arm(deadline: 20_100))
        #expect(machine.timerFired(now: 20_100) == .refuse(.requestTimeout))
        #expect(machine.parseFailed(headerOverflow: true) == .none)
        #expect(machine.bytesReceived(now: 30_000) == .none)

        var streaming = APIConnectionStateMachine(timeoutNanoseconds: 100)
        _ = streaming.connectionStarted(now: 0)
        _ = streaming.requestEnded()
        streaming.responseStarted()
        #expect(streaming.bytesReceived(now: 10) == .arm(deadline: 110))
        // A response is under way: no second answer can be written, so just close.
        #expect(streaming.timerFired(now: 200) == .close)

        var overflow = APIConnectionStateMachine(timeoutNanoseconds: .max)
        #expect(overflow.connectionStarted(now: 5) == .arm(deadline: .max))
        #expect(overflow.parseFailed(headerOverflow: false) == .refuse(.malformed))
    }
}

/// A limits test waited too long.
struct LimitTestTimeout: Error {}
