import DroverProxy

/// Which proxy carries a service's traffic on this host.
public enum RouterChoice: Sendable, Hashable {
    /// Drover's own ``ServiceProxy``, listening on each service's public port.
    case embedded
    /// A local HAProxy, driven through its runtime API; its frontends own the public ports.
    case haproxy(socketPath: String, backendPrefix: String)

    /// The stats socket Debian's haproxy.cfg declares.
    public static let defaultHAProxySocket = "/run/haproxy/admin.sock"

    /// The HAProxy backend of `service`: the prefix followed by the service name.
    public static func haproxyBackend(service: String, prefix: String) -> String { prefix + service }

    /// The factory the swap executor makes each service's router with.
    public var factory: TrafficRouterFactory {
        switch self {
        case .embedded:
            return SwapExecutor.serviceProxy
        case .haproxy(let socketPath, let prefix):
            return { service, configuration in
                HAProxyRouter(
                    configuration: HAProxyRouter.Configuration(
                        socketPath: socketPath, backend: Self.haproxyBackend(service: service, prefix: prefix),
                        publicPort: configuration.port, mode: configuration.mode))
            }
        }
    }

    /// Checks a backend prefix against HAProxy's name charset (letters, digits, `-_.:`).
    ///
    /// - Returns: why it is unusable, or nil.
    public static func problem(withBackendPrefix prefix: String) -> String? {
        let allowed = prefix.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "-_.:".unicodeScalars.contains(scalar)
        }
        return allowed ? nil : "a backend prefix may hold only letters, digits, '-', '_', '.' and ':', got \(prefix)"
    }
}
