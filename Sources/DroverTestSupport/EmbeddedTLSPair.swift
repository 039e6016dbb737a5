import DroverTLS
import NIOCore
import NIOEmbedded

/// A TLS client and server on two `EmbeddedChannel`s, wired back to back in memory.
///
/// `interact()` moves each side's outbound bytes to the other (coalesced into one inbound buffer,
/// like one TCP segment) until neither produces anything. Call `finish()` at the end.
public final class EmbeddedTLSPair {
    public let loop: EmbeddedEventLoop
    public let client: EmbeddedChannel
    public let server: EmbeddedChannel
    public let clientHandler: OpenSSLHandler
    public let serverHandler: OpenSSLHandler
    public let clientRecorder: TLSRecorder
    public let serverRecorder: TLSRecorder

    /// Builds both pipelines (`OpenSSLHandler` then `TLSRecorder`); nothing is active yet.
    public init(clientContext: TLSContext, serverContext: TLSContext, serverHostname: String? = TestPKI.serverName) throws {
        loop = EmbeddedEventLoop()
        client = EmbeddedChannel(loop: loop)
        server = EmbeddedChannel(loop: loop)
        clientHandler = OpenSSLHandler(context: clientContext, serverHostname: serverHostname)
        serverHandler = OpenSSLHandler(context: serverContext)
        clientRecorder = TLSRecorder(eventLoop: loop)
        serverRecorder = TLSRecorder(eventLoop: loop)
        try client.pipeline.syncOperations.addHandlers([clientHandler, clientRecorder])
        try server.pipeline.syncOperations.addHandlers([serverHandler, serverRecorder])
    }

    /// Makes both channels active: the client sends its ClientHello.
    public func activate() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 4433)
        try server.connect(to: address).wait()
        try client.connect(to: address).wait()
    }

    /// Activates both sides and runs until quiescent.
    public func handshake() throws {
        try activate()
        try interact()
    }

    /// Shuttles bytes both ways until neither side has anything to send.
    @discardableResult
    public func interact(maxRounds: Int = 1_000) throws -> Int {
        var rounds = 0
        while true {
            let movedToServer = try Self.move(from: client, to: server)
            let movedToClient = try Self.move(from: server, to: client)
            if !movedToServer && !movedToClient { return rounds }
            rounds += 1
            if rounds >= maxRounds { throw EmbeddedTLSPairError.didNotQuiesce }
        }
    }

    /// All bytes `channel` has written and not yet been moved, coalesced.
    public static func takeOutbound(_ channel: EmbeddedChannel) throws -> ByteBuffer? {
        var combined: ByteBuffer? = nil
        while var next = try channel.readOutbound(as: ByteBuffer.self) {
            if combined == nil { combined = next } else { combined!.writeBuffer(&next) }
        }
        return combined
    }

    /// Moves `from`'s outbound bytes into `to` as one read; true if anything moved.
    @discardableResult
    public static func move(from: EmbeddedChannel, to: EmbeddedChannel) throws -> Bool {
        guard let bytes = try takeOutbound(from) else { return false }
        guard to.isActive else { return false }
        try to.writeInbound(bytes)
        return true
    }

    /// Closes whatever is still open (gracefully, exchanging close_notify where possible), fires
    /// any remaining timers and runs pending tasks, so handlers are removed and OpenSSL state freed.
    public func finish() {
        for channel in [client, server] where channel.isActive {
            channel.close(promise: nil)
            _ = try? interact()
        }
        loop.advanceTime(by: .seconds(3_600))
        loop.run()
    }
}

/// Failures of the in-memory harness itself.
public enum EmbeddedTLSPairError: Error {
    case didNotQuiesce
}
