/// How a ``SwapExecutor`` keeps its journal, where its proxies listen and how it labels instances.
public struct SwapExecutorConfiguration: Sendable {
    /// The agent's state directory; the journal is `journal.json` in it.
    public var stateDirectory: String
    /// The address service proxies bind (`0.0.0.0` on a host; a loopback alias such as
    /// `127.0.0.2` when several agents share one machine in tests).
    public var proxyHost: String
    /// The address instances publish their ports on and the proxy forwards to.
    public var instanceHost: String
    /// Labels added to every instance this executor creates, and required of every instance it
    /// recovers or removes: keeps agents sharing one container engine apart.
    public var instanceLabels: [String: String]
    /// How long closing a proxy at shutdown lets requests in flight finish.
    public var proxyCloseTimeout: Duration

    /// A configuration.
    public init(
        stateDirectory: String,
        proxyHost: String = "0.0.0.0",
        instanceHost: String = "127.0.0.1",
        instanceLabels: [String: String] = [:],
        proxyCloseTimeout: Duration = .seconds(5)
    ) {
        self.stateDirectory = stateDirectory
        self.proxyHost = proxyHost
        self.instanceHost = instanceHost
        self.instanceLabels = instanceLabels
        self.proxyCloseTimeout = proxyCloseTimeout
    }
}
