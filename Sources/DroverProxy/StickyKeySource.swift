/// Where a client's sticky key comes from, so it keeps its version across requests.
///
/// A request without a key (header missing, address unknown) is routed at random by weight.
public enum StickyKeySource: Sendable, Hashable {
    /// A cookie; the proxy assigns a fresh one (and sets it on the response) when it is missing.
    case cookie(name: String)
    /// A request header, e.g. a user or tenant id set by an upstream gateway.
    case header(name: String)
    /// The client's IP address (the only source in TCP mode).
    case clientAddress
}
