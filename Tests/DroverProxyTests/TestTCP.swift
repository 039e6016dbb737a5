import Foundation
import NIOCore
import NIOPosix

/// The TCP test backend: greets with "VERSION\n", echoes what it reads, and on the
/// client's half-close answers "bye\n" and ends its output.
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let version: String
    init(version: String) { self.version = version }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: version + "\n")), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "bye\n")), promise: nil)
            context.close(mode: .output, promise: nil)
        }
    }
}

/// A raw TCP client connection that can half-close.
final class TCPTestClient {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var received = ByteBuffer()

    init(
        iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.iterator = iterator
        self.outbound = outbound
    }

    func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Ends this side's output (TCP half-close); reading goes on.
    func finishWriting() {
        outbound.finish()
    }

    /// Reads one line (without the newline).
    func readLine() async throws -> String {
        while true {
            if let newline = received.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - received.readerIndex
                let line = received.readString(length: length) ?? ""
                received.moveReaderIndex(forwardBy: 1)
                return line
            }
            guard var chunk = try await iterator.next() else { throw TestFailure("closed before a line") }
            received.writeBuffer(&chunk)
        }
    }

    /// Reads everything until the peer ends its output.
    func readToEnd() async throws -> String {
        while var chunk = try await iterator.next() { received.writeBuffer(&chunk) }
        return received.readString(length: received.readableBytes) ?? ""
    }
}

/// Runs `body` with a raw TCP connection to `port`.
func withTCPClient<T>(port: Int, _ body: (TCPTestClient) async throws -> T) async throws -> T {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.allowRemoteHalfClosure, value: true)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(isOutboundHalfClosureEnabled: true))
            }
        }
    return try await channel.executeThenClose { inbound, outbound in
        try await body(TCPTestClient(iterator: inbound.makeAsyncIterator(), outbound: outbound))
    }
}

/// Sends `text` on a fresh raw connection to `port`; returns everything read until the proxy closes.
func rawExchange(port: Int, _ text: String) async throws -> String {
    try await withTCPClient(port: port) { client in
        try await client.write(text)
        return try await client.readToEnd()
    }
}

/// The status codes of the HTTP/1.x responses in `text`, in order (a response may start right
/// after the previous one's body, on the same line).
func responseStatuses(_ text: String) -> [String] {
    text.components(separatedBy: "HTTP/1.").dropFirst().map { String($0.dropFirst(2).prefix(3)) }
}
