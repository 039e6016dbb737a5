import NIOCore
import NIOPosix

/// Passes when a TCP connection to the port is accepted within the timeout.
public struct TCPHealthCheck: HealthCheck {
    /// The address to connect to.
    public var host: String
    /// The port.
    public var port: Int
    private let group: any EventLoopGroup

    /// Creates a check.
    public init(
        host: String = "127.0.0.1", port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.port = port
        self.group = group
    }

    public func run(timeout: Duration) async -> HealthCheckResult {
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(timeout.nanosecondsClamped))
                .connect(host: host, port: port)
                .get()
            try? await channel.close()
            return .passed
        } catch {
            return .failed("connect to \(host):\(port): \(error)")
        }
    }
}
