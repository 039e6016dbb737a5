/// The seam between the HTTP transport and what the API does.
///
/// The server hands every complete request to a router and writes back what it returns; a
/// router never sees NIO types, so routes are testable without sockets.
public protocol Router: Sendable {
    /// Answers one request. Errors are responses (4xx/5xx with a JSON body), never throws.
    func respond(to request: APIRequest) async -> APIResponse
}
