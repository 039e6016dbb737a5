import DroverSession
import DroverTLS
import DroverWire
import NIOCore
import NIOPosix

/// Opens TLS connections to the controller, optionally from a fixed local address.
struct ControllerDialer: Sendable {
    let configuration: AgentConfiguration

    /// Connects and waits for the TLS handshake; the returned connection is ready for frames.
    func connect(context: TLSContext) async throws -> FrameConnection {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
        if let bindAddress = configuration.bindAddress {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: bindAddress, port: 0))
        }
        let serverName = configuration.expectedServerName
        let connection = try await bootstrap.connect(
            host: configuration.controllerHost, port: configuration.controllerPort
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                try FrameConnection.configure(
                    channel, tls: OpenSSLHandler(context: context, serverHostname: serverName), limits: .default)
            }
        }
        do {
            _ = try await connection.peer()
        } catch {
            await connection.discard()
            throw error
        }
        return connection
    }
}
