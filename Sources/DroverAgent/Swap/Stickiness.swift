import DroverProxy

/// How the service proxy keeps a client on one version, and which clients always see the
/// canary (the wire's `Stickiness`, kept in the journal with the order that set it).
public struct Stickiness: Sendable, Equatable, Codable {
    /// Where a client's sticky key comes from.
    public enum Source: String, Sendable, Hashable, Codable, CaseIterable {
        /// A cookie named ``Stickiness/name`` (set by the proxy when missing).
        case cookie
        /// A request header named ``Stickiness/name``.
        case header
        /// The client's IP address.
        case clientAddress
    }

    /// Where keys come from.
    public var source: Source
    /// The cookie or header name (unused for ``Source/clientAddress``).
    public var name: String
    /// Sticky keys always routed to the canary.
    public var allowlist: [String]

    /// A stickiness setting.
    public init(source: Source, name: String = "", allowlist: [String] = []) {
        self.source = source
        self.name = name
        self.allowlist = allowlist
    }

    /// The proxy's key source.
    public var keySource: StickyKeySource {
        switch source {
        case .cookie: .cookie(name: name)
        case .header: .header(name: name)
        case .clientAddress: .clientAddress
        }
    }

    /// Checks the name (a cookie or header token) and the allowlist's size.
    ///
    /// - Throws: ``SwapError/invalidOrder(_:)`` naming the problem.
    public func validate() throws(SwapError) {
        if source != .clientAddress {
            let separators = Set("()<>@,;:\\\"/[]?={} \t")
            guard !name.isEmpty, name.utf8.count <= 128,
                name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }),
                !name.contains(where: { separators.contains($0) })
            else {
                throw .invalidOrder(
                    "stickiness name \"\(name)\" must be a cookie or header name (1–128 token characters)")
            }
        }
        guard allowlist.count <= 1_000, allowlist.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 256 }) else {
            throw .invalidOrder("the canary allowlist holds at most 1,000 keys of 1–256 bytes")
        }
    }
}
