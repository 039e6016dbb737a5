import NIOCore
import NIOHTTP1
import NIOPosix

/// `GET path` on the instance's port; passes when the answer has the expected status.
public struct HTTPHealthCheck: HealthCheck {
    /// The address to connect to (the instance's published host address).
    public var host: String
    /// The port.
    public var port: Int
    /// The request path, e.g. `/health`.
    public var path: String
    /// The status that counts as healthy.
    public var expectedStatus: Int
    private let group: any EventLoopGroup

    /// Creates a check.
    public init(
        host: String = "127.0.0.1",
        port: Int,
        path: String = "/health",
        expectedStatus: Int = 200,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.port = port
        self.path = path.hasPrefix("/") ? path : "/" + path
        self.expectedStatus = expectedStatus
        self.group = group
    }

    public func run(timeout: Duration) async -> HealthCheckResult {
        let client = OneShotHTTPClient(endpoint: .tcp(host: host, port: port), group: group)
        do {
            let answer = try await client.request(.GET, path, timeout: timeout)
            return answer.status == expectedStatus
                ? .passed : .failed("GET \(path): status \(answer.status), expected \(expectedStatus)")
        } catch {
            return .failed(String(describing: error))
        }
    }
}
