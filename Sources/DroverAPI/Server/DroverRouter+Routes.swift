extension DroverRouter {
    /// One served route: method and path template (`{name}` a path segment).
    public struct Route: Sendable, Hashable, CustomStringConvertible {
        /// Upper-case method.
        public var method: String
        /// Path template as in docs/openapi.yaml, e.g. `/v1/hosts/{idOrName}`.
        public var path: String

        /// A route.
        public init(method: String, path: String) {
            self.method = method
            self.path = path
        }

        public var description: String { "\(method) \(path)" }
    }

    /// Every route ``respond(to:)`` serves. Tests hold it to the dispatch (each one answers,
    /// other methods on its path get 405) and to docs/openapi.yaml (the same set): add a route
    /// here, there and in the dispatch together.
    public static let routes: [Route] = [
        ("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/install.sh"), ("GET", "/download/drover-agent"),
        ("GET", "/download/drover-agent.sha256"),
        ("GET", "/v1/hosts"), ("GET", "/v1/hosts/{idOrName}"), ("POST", "/v1/hosts/{idOrName}/drain"),
        ("POST", "/v1/hosts/{idOrName}/undrain"), ("POST", "/v1/hosts/{idOrName}/remove"),
        ("GET", "/v1/tokens"), ("POST", "/v1/tokens"), ("DELETE", "/v1/tokens/{id}"),
        ("GET", "/v1/api-tokens"), ("POST", "/v1/api-tokens"), ("DELETE", "/v1/api-tokens/{id}"),
        ("GET", "/v1/audit"),
        ("POST", "/v1/deploys"), ("GET", "/v1/rollouts"), ("GET", "/v1/rollouts/{id}"),
        ("POST", "/v1/rollouts/{id}/pause"), ("POST", "/v1/rollouts/{id}/resume"), ("POST", "/v1/rollouts/{id}/abort"),
        ("GET", "/v1/services"), ("GET", "/v1/services/{name}/history"), ("POST", "/v1/services/{name}/rollback"),
        ("POST", "/v1/services/{name}/canary"),
    ].map { Route(method: $0.0, path: $0.1) }
}
