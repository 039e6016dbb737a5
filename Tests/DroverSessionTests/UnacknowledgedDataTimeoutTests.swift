import DroverSession
import NIOCore
import NIOPosix
import Testing

/// `TCP_USER_TIMEOUT` reaches the kernel: set on a real loopback connection and read back.
@Suite struct UnacknowledgedDataTimeoutTests {
    @Test func theOptionIsSetOnARealConnection() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = try #require(server.localAddress?.port)
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port)
            .get()
        let before = try await client.getOption(.unacknowledgedDataTimeout).get()
        try await client.setOption(.unacknowledgedDataTimeout, value: 15_000).get()
        let after = try await client.getOption(.unacknowledgedDataTimeout).get()
        try await client.close()
        try await server.close()
        #expect(before == 0)  // the kernel's default: no limit beyond retransmission's own
        #expect(after == 15_000)
    }
}
