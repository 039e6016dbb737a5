import DroverStore
import DroverTLS
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the API server listens and what it serves.
public struct APIServerConfiguration: Sendable {
    /// Address to bind, e.g. `0.0.0.0` or `127.0.0.1`.
    public var host: String
    /// Port to bind; 0 picks a free one (see ``APIServer/localPort()``).
    public var port: Int
    /// Server TLS. The server forces `alpnProtocols = ["http/1.1"]`; clients are not asked for
    /// certificates (`.none`): operators authenticate with bearer tokens.
    public var tls: TLSConfiguration
    /// Largest request body accepted; larger ones get 413 (1 MiB).
    public var maxBodyBytes: Int = 1 << 20
    /// A connection on which nothing is read or written for this long is closed (60 s): idle
    /// keep-alive ones, not a long download that keeps flowing.
    public var idleTimeoutSeconds: Int = 60
    /// Each request's head and body must arrive within this long of its first byte (the first
    /// request's from the connection's accept, so the TLS handshake counts too); a client that
    /// trickles bytes gets 408 and the connection closes (30 s).
    public var requestTimeout: Duration = .seconds(30)
    /// Connections served at once; more are closed as soon as they are accepted (1,024).
    public var maxConnections: Int = 1_024
    /// Largest request line plus header fields, in bytes; larger heads get 431 (16 KiB).
    public var maxHeaderBytes: Int = 16 * 1_024
    /// Most header fields in a request; more get 431 (64).
    public var maxHeaderCount: Int = 64
    /// Per client address: the budget for `/healthz`, `/install.sh`, `/download/…` and for
    /// requests refused with 401. Past it the answer is 429 with `Retry-After`.
    public var unauthenticatedRateLimit = APIRateLimit(burst: 60, perSecond: 10)
    /// Whether `GET /metrics` needs a bearer token (any role). On by default: the exposition
    /// names every host with its agent version and load, which is reconnaissance material.
    /// Prometheus sends the token with `authorization: { credentials_file: ... }`.
    public var metricsRequireToken: Bool = true
    /// The agent install script served at `GET /install.sh`, if any.
    public var installScriptPath: String?
    /// The agent binary served at `GET /download/drover-agent`, if any.
    public var agentBinaryPath: String?
    /// Where mutating calls are audited; `nil` gives the router its own recorder that logs nowhere.
    /// The controller passes one logging through its logger and flushes it on its retention schedule.
    public var audit: AuditRecorder?
    /// Where the server logs what callers are not shown (internal error detail, with the request
    /// id); standard error unless the controller wires its logger.
    public var log: @Sendable (String) -> Void = APIServerConfiguration.standardErrorLog
    /// Wall clock, Unix milliseconds (injected for tests).
    public var clock: @Sendable () -> Int64 = APIServerConfiguration.systemClock

    /// A configuration with the defaults above.
    public init(host: String = "127.0.0.1", port: Int = 7401, tls: TLSConfiguration) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// The server TLS settings actually used: HTTP/1.1 ALPN, no client certificates.
    public var effectiveTLS: TLSConfiguration {
        var tls = self.tls
        tls.alpnProtocols = ["http/1.1"]
        tls.peerVerification = .none
        return tls
    }

    /// The HTTP decoder's limits for ``maxHeaderBytes`` and ``maxHeaderCount``.
    var decoderLimits: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = max(1, maxHeaderBytes)
        limits.maxHeaderListSize = max(1, maxHeaderBytes)
        limits.maxHeaderFieldCount = max(1, maxHeaderCount)
        return limits
    }

    /// Writes one line to standard error.
    public static let standardErrorLog: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Unix milliseconds from the system clock.
    public static let systemClock: @Sendable () -> Int64 = {
        UnixTime.nowNanoseconds() / 1_000_000
    }
}

/// Wall-clock reading without Foundation's `Date`.
enum UnixTime {
    static func nowNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
