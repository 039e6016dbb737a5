import NIOCore

/// A client connection as its event loop's ``ProxyLoopState`` sees it: what it is forwarding
/// to, and how to end it. Only touched on that event loop.
protocol ProxyConnection: AnyObject {
    /// The backend of the request or connection in flight; `nil` while an HTTP connection idles.
    var currentBackendID: String? { get }
    /// Closes the client connection (and its upstream) now.
    func forceClose()
    /// Closes now if idle, otherwise after the request in flight.
    func closeWhenIdle()
    /// Ends the connection if a deadline of the proxy's limits passed by `now`.
    func expire(now: NIODeadline)
}
