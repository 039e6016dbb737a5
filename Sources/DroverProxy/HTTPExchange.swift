import NIOCore

/// One HTTP request being forwarded: where it goes and how far it got.
struct HTTPExchange {
    let backend: Backend
    /// The head sent upstream (hop-by-hop fields removed, X-Forwarded-For added), kept for a retry.
    let upstreamHead: ByteBuffer
    /// The client's HTTP/1.x minor version; the response goes back in it.
    let clientMinor: UInt8
    let isHEAD: Bool
    /// Whether the client connection stays open after this response.
    var keepAlive: Bool
    /// A new sticky cookie to set on the response.
    let setCookie: String?
    let start: NIODeadline
    /// Bumped per connect attempt, so a late connect result for an abandoned attempt is dropped.
    let attempt: UInt64

    /// The leased upstream connection, once connected.
    var upstream: UpstreamHTTPHandler?
    /// Request bytes read before the upstream connection was ready.
    var pending: [ByteBuffer] = []
    /// Whether the upstream connection came from the pool (a stale one may be retried once).
    var reused = false
    var retried = false
    var requestComplete = false
    var responseStarted = false
    var responseComplete = false
    var status: UInt = 0
    /// Whether any of the request body went upstream (then a retry could send it twice).
    var bodySent = false
    /// Content bytes of the request and response bodies (chunked framing not counted).
    var bytesFromClient = 0
    var bytesToClient = 0

    init(
        backend: Backend, upstreamHead: ByteBuffer, clientMinor: UInt8, isHEAD: Bool, keepAlive: Bool,
        setCookie: String?, start: NIODeadline, attempt: UInt64
    ) {
        self.backend = backend
        self.upstreamHead = upstreamHead
        self.clientMinor = clientMinor
        self.isHEAD = isHEAD
        self.keepAlive = keepAlive
        self.setCookie = setCookie
        self.start = start
        self.attempt = attempt
    }

    /// The same request again, for a fresh connection after a stale pooled one failed.
    func retry(attempt: UInt64) -> HTTPExchange {
        var retry = HTTPExchange(
            backend: backend, upstreamHead: upstreamHead, clientMinor: clientMinor, isHEAD: isHEAD,
            keepAlive: keepAlive, setCookie: setCookie, start: start, attempt: attempt)
        retry.retried = true
        retry.requestComplete = requestComplete
        retry.pending = [upstreamHead]
        return retry
    }
}
