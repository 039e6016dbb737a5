import NIOCore
import NIOHTTP1

/// One HTTP request being forwarded: where it goes and how far it got.
struct HTTPExchange {
    let backend: Backend
    /// The head sent upstream (hop-by-hop headers removed, X-Forwarded-For added).
    let upstreamHead: HTTPRequestHead
    /// The client's HTTP version; the response goes back in it.
    let clientVersion: HTTPVersion
    /// Whether the client connection stays open after this response.
    var keepAlive: Bool
    /// A new sticky cookie to set on the response.
    let setCookie: String?
    let start: NIODeadline
    /// Bumped per connect attempt, so a late connect result for an abandoned attempt is dropped.
    let attempt: UInt64

    /// The leased upstream connection, once connected.
    var upstream: UpstreamHTTPHandler?
    /// Request parts read before the upstream connection was ready.
    var pending: [HTTPClientRequestPart] = []
    /// Whether the upstream connection came from the pool (a stale one may be retried once).
    var reused = false
    var retried = false
    var requestComplete = false
    var responseStarted = false
    var responseComplete = false
    var status: UInt = 0
    var bytesFromClient = 0
    var bytesToClient = 0
}
