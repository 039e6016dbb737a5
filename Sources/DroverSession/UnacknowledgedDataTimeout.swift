import NIOCore

#if canImport(Glibc)
import Glibc
#endif

extension ChannelOption where Self == ChannelOptions.Types.SocketOption {
    /// Linux `TCP_USER_TIMEOUT`, in milliseconds: how long written data may stay unacknowledged
    /// before the kernel gives the connection up (and the channel fails with `ETIMEDOUT`).
    ///
    /// The agent sets it to 3 heartbeat intervals: it writes a report every interval, so a
    /// controller host that vanished or a network that dropped the path shows as a failed
    /// connection within about that long, with no answer from the controller needed (§7.1).
    public static var unacknowledgedDataTimeout: Self {
        ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_USER_TIMEOUT)))
    }
}
