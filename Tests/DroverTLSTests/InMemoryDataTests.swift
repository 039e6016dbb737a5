import DroverTLS
import DroverTestSupport
import NIOCore
import NIOEmbedded
import Testing

/// Application data, buffering and closing over two EmbeddedChannels.
@Suite struct InMemoryDataTests {
    let pki = TestPKI.shared

    @Test func appDataInTheSameSegmentAsTheFinishedIsDelivered() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.activate()
        // Written before the handshake: buffered by the client handler.
        pair.client.writeAndFlush(ByteBuffer(string: "hello early"), promise: nil)
        try EmbeddedTLSPair.move(from: pair.client, to: pair.server)  // ClientHello
        try EmbeddedTLSPair.move(from: pair.server, to: pair.client)  // ServerHello … Finished
        #expect(pair.clientRecorder.peerInfo != nil)
        // The client's Finished and the buffered application data leave as ONE buffer…
        let segment = try #require(try pair.client.readOutbound(as: ByteBuffer.self))
        #expect(try pair.client.readOutbound(as: ByteBuffer.self) == nil)
        // …and one inbound read on the server both completes its handshake and delivers the data.
        try pair.server.writeInbound(segment)
        #expect(pair.serverRecorder.peerInfo?.commonName == "agent-1")
        #expect(pair.serverRecorder.received == ByteBuffer(string: "hello early"))
    }

    @Test func writesBeforeTheHandshakeAreFlushedAfterIt() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.activate()
        let promise = pair.loop.makePromise(of: Void.self)
        pair.client.write(ByteBuffer(string: "one,"), promise: nil)
        pair.client.writeAndFlush(ByteBuffer(string: "two"), promise: promise)
        pair.server.writeAndFlush(ByteBuffer(string: "from server"), promise: nil)
        #expect(pair.clientRecorder.peerInfo == nil)
        try pair.interact()
        #expect(pair.serverRecorder.received == ByteBuffer(string: "one,two"))
        #expect(pair.clientRecorder.received == ByteBuffer(string: "from server"))
        try promise.futureResult.wait()
    }

    @Test func bufferedWritesAreCapped() throws {
        var client = pki.clientConfiguration()
        client.maxBufferedBytesBeforeHandshake = 100
        let pair = try makePair(server: pki.serverConfiguration(), client: client)
        defer { pair.finish() }
        try pair.activate()
        let first = pair.loop.makePromise(of: Void.self)
        let second = pair.loop.makePromise(of: Void.self)
        pair.client.write(ByteBuffer(repeating: 1, count: 60), promise: first)
        pair.client.writeAndFlush(ByteBuffer(repeating: 2, count: 60), promise: second)
        #expect(throws: TLSError.bufferedWritesOverflow(limit: 100)) { try second.futureResult.wait() }
        try pair.interact()
        try first.futureResult.wait()
        #expect(pair.serverRecorder.received == ByteBuffer(repeating: 1, count: 60))
    }

    @Test func payloadLargerThanARecordArrivesIntact() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.handshake()
        let payload = ByteBuffer.pattern(count: 1 << 20)
        let promise = pair.loop.makePromise(of: Void.self)
        pair.client.writeAndFlush(payload, promise: promise)
        // One flush → one ciphertext buffer: 64 records of 16 KiB plus per-record overhead.
        let ciphertext = try #require(try EmbeddedTLSPair.takeOutbound(pair.client))
        #expect(ciphertext.readableBytes > payload.readableBytes)
        #expect(ciphertext.readableBytes < payload.readableBytes + 64 * 32)
        try pair.server.writeInbound(ciphertext)
        #expect(pair.serverRecorder.received == payload)
        #expect(pair.serverRecorder.readCount <= 20)  // big reads, not one per record
        try promise.futureResult.wait()
    }

    @Test func manySmallWritesInOneFlushArriveInOrder() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.handshake()
        var expected = ByteBuffer()
        var promises: [EventLoopFuture<Void>] = []
        for index in 0..<2_000 {
            var frame = ByteBuffer()
            frame.writeInteger(UInt32(index))
            frame.writeRepeatingByte(UInt8(truncatingIfNeeded: index), count: index % 97)
            expected.writeImmutableBuffer(frame)
            let promise = pair.loop.makePromise(of: Void.self)
            pair.client.write(frame, promise: promise)
            promises.append(promise.futureResult)
        }
        #expect(try pair.client.readOutbound(as: ByteBuffer.self) == nil)  // nothing before flush
        pair.client.flush()
        // Coalesced: ≈ 100 KiB of frames become a handful of full records in one buffer.
        let ciphertext = try #require(try pair.client.readOutbound(as: ByteBuffer.self))
        #expect(try pair.client.readOutbound(as: ByteBuffer.self) == nil)
        let records = (expected.readableBytes + 16_383) / 16_384
        #expect(ciphertext.readableBytes <= expected.readableBytes + records * 22)
        try pair.server.writeInbound(ciphertext)
        #expect(pair.serverRecorder.received == expected)
        for future in promises { try future.wait() }
    }

    @Test func cleanCloseExchangesCloseNotifyBothWays() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.handshake()
        let closed = pair.loop.makePromise(of: Void.self)
        pair.client.close(mode: .all, promise: closed)
        #expect(pair.client.isActive)  // waiting for the server's close_notify
        try pair.interact()
        #expect(pair.serverRecorder.events.contains(.closeNotifyReceived))
        #expect(pair.clientRecorder.events.contains(.closeNotifyReceived))
        #expect(!pair.server.isActive && !pair.client.isActive)
        try closed.futureResult.wait()
        #expect(pair.clientRecorder.errors.isEmpty)
        #expect(pair.serverRecorder.errors.isEmpty)
    }

    @Test func uncleanCloseIsReported() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.handshake()
        pair.client.pipeline.fireChannelInactive()  // TCP EOF, no close_notify
        #expect(pair.clientRecorder.tlsErrors == [.uncleanShutdown])
    }

    @Test func closeNotifyTimeoutWhenThePeerNeverAnswers() throws {
        var client = pki.clientConfiguration()
        client.closeNotifyTimeout = .seconds(3)
        let pair = try makePair(server: pki.serverConfiguration(), client: client)
        defer { pair.finish() }
        try pair.handshake()
        let closed = pair.loop.makePromise(of: Void.self)
        pair.client.close(mode: .all, promise: closed)
        _ = try EmbeddedTLSPair.takeOutbound(pair.client)  // the close_notify is lost; the server never answers
        pair.loop.advanceTime(by: .milliseconds(2_999))
        #expect(pair.client.isActive)
        pair.loop.advanceTime(by: .milliseconds(1))
        #expect(!pair.client.isActive)
        #expect(throws: TLSError.closeNotifyTimeout) { try closed.futureResult.wait() }
        #expect(pair.clientRecorder.tlsErrors == [.closeNotifyTimeout])
    }

    @Test func writesAfterCloseFail() throws {
        let pair = try makePair(server: pki.serverConfiguration(), client: pki.clientConfiguration())
        defer { pair.finish() }
        try pair.handshake()
        pair.client.close(promise: nil)
        let promise = pair.loop.makePromise(of: Void.self)
        pair.client.writeAndFlush(ByteBuffer(string: "late"), promise: promise)
        #expect(throws: ChannelError.ioOnClosedChannel) { try promise.futureResult.wait() }
    }

    @Test func handlerAddedToAnActiveChannelStartsTheHandshake() throws {
        let loop = EmbeddedEventLoop()
        let client = EmbeddedChannel(loop: loop)
        let server = EmbeddedChannel(loop: loop)
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 1)
        try client.connect(to: address).wait()
        try server.connect(to: address).wait()
        let clientRecorder = TLSRecorder(eventLoop: loop)
        let serverRecorder = TLSRecorder(eventLoop: loop)
        try server.pipeline.syncOperations.addHandlers([
            OpenSSLHandler(context: try TLSContext(configuration: pki.serverConfiguration())), serverRecorder,
        ])
        try client.pipeline.syncOperations.addHandlers([
            OpenSSLHandler(context: try TLSContext(configuration: pki.clientConfiguration()), serverHostname: TestPKI.serverName),
            clientRecorder,
        ])
        for _ in 0..<10 {
            try EmbeddedTLSPair.move(from: client, to: server)
            try EmbeddedTLSPair.move(from: server, to: client)
        }
        #expect(clientRecorder.peerInfo != nil && serverRecorder.peerInfo != nil)
        client.close(promise: nil)
        try EmbeddedTLSPair.move(from: client, to: server)
        try EmbeddedTLSPair.move(from: server, to: client)
        #expect(!client.isActive && !server.isActive)
        loop.run()
    }
}
