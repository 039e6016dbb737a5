import DroverTLS
import DroverTestSupport
import NIOCore

/// Builds an in-memory client/server pair from two configurations.
func makePair(
    server: TLSConfiguration,
    client: TLSConfiguration,
    serverHostname: String? = TestPKI.serverName
) throws -> EmbeddedTLSPair {
    try EmbeddedTLSPair(
        clientContext: try TLSContext(configuration: client),
        serverContext: try TLSContext(configuration: server),
        serverHostname: serverHostname)
}

extension ByteBuffer {
    /// Deterministic pseudo-random bytes (xorshift), so failures are reproducible.
    static func pattern(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> ByteBuffer {
        var state = seed
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count)
        for _ in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            buffer.writeInteger(UInt8(truncatingIfNeeded: state))
        }
        return buffer
    }
}
