/// Everything the proxy needs to route: the backends, stickiness and the canary allowlist.
///
/// A pure value: the proxy swaps whole tables atomically (``ServiceProxy/update(_:)``).
public struct RoutingTable: Sendable, Hashable {
    /// The backends, in a stable order (ids unique).
    public var backends: [Backend]
    /// The version label that counts as the canary: its backends come first in the sticky
    /// bucket order, and allowlisted keys always go to them.
    public var canaryVersion: String?
    /// Where sticky keys come from; `nil` chooses independently for every request.
    public var stickiness: StickyKeySource?
    /// Sticky keys (cookie values, header values or client addresses) that always go to the canary.
    public var canaryAllowlist: Set<String>

    /// A table; an empty one answers 503 to every request.
    public init(
        backends: [Backend] = [],
        canaryVersion: String? = nil,
        stickiness: StickyKeySource? = nil,
        canaryAllowlist: Set<String> = []
    ) {
        self.backends = backends
        self.canaryVersion = canaryVersion
        self.stickiness = stickiness
        self.canaryAllowlist = canaryAllowlist
    }

    /// Basis points in 100 %.
    public static let fullWeight = 10_000

    /// Checks ids are unique, weights in 0…10,000, ports in 1…65,535, and that a sticky cookie
    /// or header name is an HTTP token (the proxy writes the cookie's name into responses).
    ///
    /// - Throws: ``ProxyError/invalidTable(_:)`` naming the first problem.
    public func validate() throws(ProxyError) {
        switch stickiness {
        case .cookie(let name) where !Self.isToken(name):
            throw .invalidTable("sticky cookie name \"\(name)\" is not an HTTP token")
        case .header(let name) where !Self.isToken(name):
            throw .invalidTable("sticky header name \"\(name)\" is not an HTTP token")
        default:
            break
        }
        var seen = Set<String>()
        for backend in backends {
            guard seen.insert(backend.id).inserted else {
                throw .invalidTable("duplicate backend id \(backend.id)")
            }
            guard (0...Self.fullWeight).contains(backend.weight) else {
                throw .invalidTable("backend \(backend.id): weight \(backend.weight) outside 0…10000")
            }
            guard (1...65_535).contains(backend.port) else {
                throw .invalidTable("backend \(backend.id): port \(backend.port) outside 1…65535")
            }
        }
    }

    /// Whether `name` is a non-empty HTTP token (RFC 9110 §5.6.2): letters, digits and ``!#$%&'*+-.^_`|~``.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(HTTP1HeadParser.isTokenByte)
    }

    /// The backend with this id, if any.
    public func backend(id: String) -> Backend? {
        backends.first { $0.id == id }
    }

    /// This table with one backend marked draining (unchanged when the id is unknown).
    public func draining(_ id: String) -> RoutingTable {
        var table = self
        for index in table.backends.indices where table.backends[index].id == id {
            table.backends[index].state = .draining
        }
        return table
    }
}
