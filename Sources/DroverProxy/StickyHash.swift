/// Stable hashing of sticky keys into 10,000 buckets.
///
/// FNV-1a plus a SplitMix64 finaliser: the same key lands in the same bucket in every process
/// and after every restart (Swift's `Hasher` is seeded per process, so it cannot be used).
public enum StickyHash {
    /// The 64-bit hash of a key's UTF-8 bytes.
    public static func hash(_ key: String) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
        // FNV alone clusters short, similar keys; the finaliser spreads them over all bits.
        value ^= value >> 30
        value &*= 0xbf58_476d_1ce4_e5b9
        value ^= value >> 27
        value &*= 0x94d0_49bb_1331_11eb
        value ^= value >> 31
        return value
    }

    /// The key's bucket in 0..<10,000.
    public static func bucket(_ key: String) -> Int {
        Int(hash(key) % UInt64(RoutingTable.fullWeight))
    }
}
